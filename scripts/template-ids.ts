/**
 * Prints the logical ids the CDK app synthesizes for the guarded configurations (test/infra/template-ids.ts), as
 * test/infra/logical-ids.json holds them: `npx tsx scripts/template-ids.ts > test/infra/logical-ids.json` after a
 * change that is meant to add, rename or remove a resource (then read the diff: a renamed stateful resource is a
 * replaced one). With `--templates` it prints the whole templates instead, for a byte-level diff of a refactor:
 * run it before and after, then `diff` the two files.
 */
import { guardedIds, guardedTemplates } from '../test/infra/template-ids.js';

// The bundled CloudFormation validator adds ~1.8 s per stack and checks nothing about ids.
process.env.CDK_VALIDATION = 'false';
const output = process.argv.includes('--templates') ? guardedTemplates() : guardedIds();
process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
