import { describe, expect, it } from 'vitest';
import recorded from './logical-ids.json' with { type: 'json' };
import { GUARDED_CONFIGURATIONS, guardedIds, type StackIds } from './template-ids.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

// logical-ids.json was recorded from the templates before the construct was split into infra/responder/*. A
// construct id is part of the contract: a new id is a new logical id, and CloudFormation replaces the resource
// (a new, empty state table; a new key; a new topic whose subscribers must confirm again). Regenerate the file
// with scripts/template-ids.ts only for a change that means to add or remove resources, and read its diff.
const expected = recorded as Record<string, Record<string, StackIds>>;

describe('Template: logical ids of the CDK app', () => {
  const actual = guardedIds();

  it('guards the same configurations and stacks as recorded', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(GUARDED_CONFIGURATIONS).sort());
    for (const [name, stacks] of Object.entries(expected)) {
      expect(Object.keys(actual[name] ?? {}), name).toEqual(Object.keys(stacks));
    }
  });

  it.each(Object.keys(GUARDED_CONFIGURATIONS))(
    'keeps every recorded resource of the %s configuration, under its logical id and with its type',
    (name) => {
      for (const [stackName, stack] of Object.entries(expected[name] ?? {})) {
        const resources = actual[name]?.[stackName]?.resources ?? {};
        // Only what was recorded: a resource added later does not fail here, a renamed or removed one does.
        const kept = Object.fromEntries(Object.keys(stack.resources).map((id) => [id, resources[id]]));
        expect(kept, stackName).toEqual(stack.resources);
      }
    },
  );

  it.each(Object.keys(GUARDED_CONFIGURATIONS))(
    'keeps the stateful resources of the %s configuration exactly: ids, deletion policies, replacing properties',
    (name) => {
      for (const [stackName, stack] of Object.entries(expected[name] ?? {})) {
        expect(actual[name]?.[stackName]?.stateful, stackName).toEqual(stack.stateful);
      }
    },
  );
});
