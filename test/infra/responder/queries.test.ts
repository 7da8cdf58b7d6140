// infra/responder/queries.ts: the audit trail's saved queries, the dashboard's time-to-restore and last-drifts widgets,
// and the alert settings (account name, runbook) the function receives.
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_QUERIES, DRIFT_OUTCOMES, LAST_DRIFTS_QUERY } from '../../../infra/responder/queries.js';
import { FULL_CONTEXT, onlyResource, synthFirst } from '../synth.js';

process.env.CDK_VALIDATION = 'false';

interface QueryDefinition {
  readonly Name: string;
  readonly QueryString: string;
  readonly LogGroupNames: unknown[];
}

function queryDefinitions(template: Template): QueryDefinition[] {
  return Object.values(template.findResources('AWS::Logs::QueryDefinition')).map(
    (resource) => (resource as { Properties: QueryDefinition }).Properties,
  );
}

describe('Saved queries of the audit trail', () => {
  let template: Template;
  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT, accountName: 'prod-payments' }).template;
  });

  it('ships one saved query per question, on the function log group, in a folder named after the dashboard', () => {
    const definitions = queryDefinitions(template);
    const logGroup = onlyResource(template, 'AWS::Logs::LogGroup').id;

    expect(definitions.map((definition) => definition.Name.split('/').slice(1).join('/')).sort()).toEqual(
      Object.values(AUDIT_QUERIES)
        .map((query) => query.name)
        .sort(),
    );
    for (const definition of definitions) {
      expect(definition.Name.startsWith('GuardDutyDriftResponder-eu-west-1/')).toBe(true);
      expect(definition.LogGroupNames).toEqual([{ Ref: logGroup }]);
    }
  });

  it('reads the audit fields of the decision lines, and only decision lines', () => {
    const byName = new Map(
      queryDefinitions(template).map((definition) => [definition.Name.split('/')[1], definition]),
    );
    const who = byName.get(AUDIT_QUERIES.whoTurnedProtectionOff.name)?.QueryString ?? '';
    const drifts = byName.get(AUDIT_QUERIES.driftsAndHowLong.name)?.QueryString ?? '';
    const denied = byName.get(AUDIT_QUERIES.deniedAttempts.name)?.QueryString ?? '';
    const perRegion = byName.get(AUDIT_QUERIES.timeToRestorePerRegion.name)?.QueryString ?? '';

    for (const query of [who, drifts, denied, perRegion])
      expect(query).toContain('filter message = "decision"');
    expect(who).toMatch(
      /^fields @timestamp, actor, actorType, sourceIp, accountId, region, detectorId, change/,
    );
    expect(who).toContain('trigger = "api-call"');
    expect(drifts).toContain('timeToRestoreSeconds, timeToRestoreFrom');
    for (const outcome of DRIFT_OUTCOMES) expect(drifts).toContain(`"${outcome}"`);
    expect(denied).toContain('outcome = "disable-denied"');
    expect(perRegion).toContain('pct(timeToRestoreSeconds, 95) as p95');
    expect(perRegion).toContain('by region');
  });

  it('has well-formed Logs Insights syntax: commands joined by pipes, quotes and brackets balanced', () => {
    for (const { QueryString } of queryDefinitions(template)) {
      const commands = QueryString.split('\n| ').map((line) => line.split(' ')[0]);
      for (const command of commands)
        expect(['fields', 'filter', 'stats', 'sort', 'limit']).toContain(command);
      expect((QueryString.match(/"/g) ?? []).length % 2).toBe(0);
      expect((QueryString.match(/\[/g) ?? []).length).toBe((QueryString.match(/\]/g) ?? []).length);
      expect((QueryString.match(/\(/g) ?? []).length).toBe((QueryString.match(/\)/g) ?? []).length);
    }
  });
});

describe('Dashboard: time to restore and the last drifts', () => {
  it('shows p50, p95 and max of TimeToRestore per dashboard Region, and the last drifts from the log', () => {
    const { template } = synthFirst({ ...FULL_CONTEXT });
    const body = JSON.stringify(
      onlyResource(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody,
    );

    for (const region of FULL_CONTEXT.regions) {
      for (const label of ['p50', 'p95', 'max']) expect(body).toContain(`${region} ${label}`);
    }
    expect(body).toContain('TimeToRestore');
    expect(body).toContain('"stat\\":\\"p95\\"');
    expect(body).toContain('Last drifts');
    // The log widget's query, as the widget carries it (SOURCE of the log group, then the query).
    const lastLine = LAST_DRIFTS_QUERY.toString().split('\n').at(-1) ?? '';
    expect(body).toContain(lastLine.replace(/"/g, '\\\\\\"'));
  });
});

describe('Alert settings the function receives', () => {
  it('passes ACCOUNT_NAME and RUNBOOK_URL when configured, and neither by default', () => {
    const configured = synthFirst({
      ...FULL_CONTEXT,
      accountName: 'prod-payments',
      runbookUrl: 'https://wiki.example.com/guardduty',
    }).template;
    const plain = synthFirst({ ...FULL_CONTEXT }).template;
    const env = (template: Template) =>
      (
        onlyResource(template, 'AWS::Lambda::Function').properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

    expect(env(configured)).toMatchObject({
      ACCOUNT_NAME: 'prod-payments',
      RUNBOOK_URL: 'https://wiki.example.com/guardduty',
    });
    expect(env(plain)).not.toHaveProperty('ACCOUNT_NAME');
    expect(env(plain)).not.toHaveProperty('RUNBOOK_URL');
  });

  it('refuses a runbook that is not an https URL and an account name over 64 characters', () => {
    expect(() => synthFirst({ runbookUrl: 'http://wiki.example.com/x' })).toThrow(
      /runbookUrl must be an https URL/,
    );
    expect(() => synthFirst({ accountName: 'x'.repeat(65) })).toThrow(
      /accountName must be a name of 1 to 64/,
    );
  });
});

describe('The account alias lookup (opt-in)', () => {
  const statements = (template: Template) =>
    JSON.stringify(onlyResource(template, 'AWS::IAM::Policy').properties.PolicyDocument);
  const env = (template: Template) =>
    (
      onlyResource(template, 'AWS::Lambda::Function').properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;

  it('grants iam:ListAccountAliases and sets ACCOUNT_ALIAS_LOOKUP only when asked, and never beside accountName', () => {
    const asked = synthFirst({ ...FULL_CONTEXT, lookupAccountAlias: true }).template;
    const plain = synthFirst({ ...FULL_CONTEXT }).template;
    const named = synthFirst({ ...FULL_CONTEXT, lookupAccountAlias: true, accountName: 'prod' }).template;

    expect(statements(asked)).toContain('"Action":"iam:ListAccountAliases","Effect":"Allow","Resource":"*"');
    expect(env(asked)).toMatchObject({ ACCOUNT_ALIAS_LOOKUP: 'true' });
    for (const template of [plain, named]) {
      expect(statements(template)).not.toContain('iam:');
      expect(env(template)).not.toHaveProperty('ACCOUNT_ALIAS_LOOKUP');
    }
  });
});
