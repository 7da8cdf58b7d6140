/*
 * The account's name in alerts: ACCOUNT_NAME, else (ACCOUNT_ALIAS_LOOKUP=true) the IAM alias, looked up once per cold
 * start; a lookup that fails is logged once and the alerts show the id alone.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetDetectorCommand, ListDetectorsCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createResponder } from '../../handlers/composition.js';
import { ConfigurationError, loadConfig } from '../../handlers/config.js';
import { JsonLogger } from '../../handlers/logger.js';
import {
  DRIFTED,
  FakeStateTable,
  mockAws,
  PROTECTED,
  protocolMessages,
  publishedInputs,
  resetAws,
} from '../support/aws-mocks.js';
import { lambdaContext, syntheticFixture } from '../support/fixtures.js';
import { REGION, responderEnv } from '../support/mocked-responder.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const aws = mockAws();
const iam = mockClient(IAMClient);
let lines: Record<string, unknown>[];

beforeEach(() => {
  resetAws(aws);
  iam.reset();
  new FakeStateTable(aws);
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
  aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  aws.cloudWatch.on(PutMetricDataCommand).resolves({});
  lines = [];
});
afterAll(() => {
  resetAws(aws);
  iam.restore();
});

function responder(env: Record<string, string | undefined>) {
  return createResponder({
    env: responderEnv(env),
    logger: new JsonLogger('test', 'INFO', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  });
}

/** Two drifts in a row through one cold start: the e-mail of each. */
async function twoDrifts(env: Record<string, string | undefined>): Promise<string[]> {
  const responderOnce = responder(env);
  for (const fixture of [
    'UpdateDetector.disable-runtime-monitoring.synthetic.json',
    'UpdateDetector.disable-eks-runtime-monitoring.synthetic.json',
  ]) {
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    await responderOnce.handle(syntheticFixture(fixture), lambdaContext(REGION));
  }
  return publishedInputs(aws).map((input) => protocolMessages(input).email ?? '');
}

describe('The account name in alerts', () => {
  it('looks the alias up once per cold start when allowed, and names the account with it', async () => {
    iam.on(ListAccountAliasesCommand).resolves({ AccountAliases: ['acme-prod'], IsTruncated: false });

    const emails = await twoDrifts({ ACCOUNT_ALIAS_LOOKUP: 'true' });

    expect(emails.length).toBeGreaterThan(0);
    for (const email of emails) expect(email).toContain('Account:   123456789012 (acme-prod)');
    // Two invocations, one lookup; both decision lines name the account.
    expect(iam.commandCalls(ListAccountAliasesCommand)).toHaveLength(1);
    const decisions = lines.filter((line) => line.message === 'decision' && line.detectorId === DETECTOR);
    expect(decisions).toHaveLength(2);
    for (const decision of decisions) expect(decision.accountName).toBe('acme-prod');
  });

  it('a lookup that is denied is logged once, and the alerts show the id alone', async () => {
    const denied = Object.assign(new Error('not authorized to perform: iam:ListAccountAliases'), {
      name: 'AccessDenied',
    });
    iam.on(ListAccountAliasesCommand).rejects(denied);

    const emails = await twoDrifts({ ACCOUNT_ALIAS_LOOKUP: 'true' });

    for (const email of emails) expect(email).toContain('Account:   123456789012\n');
    expect(iam.commandCalls(ListAccountAliasesCommand)).toHaveLength(1);
    expect(lines.filter((line) => line.message === 'account-alias-unavailable')).toHaveLength(1);
  });

  it('ACCOUNT_NAME wins, and the alias is never looked up; nor is it by default', async () => {
    iam.on(ListAccountAliasesCommand).resolves({ AccountAliases: ['acme-prod'] });

    const named = await twoDrifts({ ACCOUNT_NAME: 'payments', ACCOUNT_ALIAS_LOOKUP: 'true' });
    const plain = (await twoDrifts({})).slice(2);

    for (const email of named) expect(email).toContain('Account:   123456789012 (payments)');
    for (const email of plain) expect(email).toContain('Account:   123456789012\n');
    expect(iam.commandCalls(ListAccountAliasesCommand)).toHaveLength(0);
  });
});

describe('The alert settings at cold start', () => {
  it.each([
    [{ ACCOUNT_NAME: 'x'.repeat(65) }, /ACCOUNT_NAME expected at most 64 characters/],
    [
      { RUNBOOK_URL: 'http://wiki.example.com/runbook' },
      /RUNBOOK_URL expected an https URL without a #fragment/,
    ],
    [{ RUNBOOK_URL: 'https://wiki.example.com/runbook#top' }, /RUNBOOK_URL expected an https URL/],
    [{ ACCOUNT_ALIAS_LOOKUP: 'yes' }, /ACCOUNT_ALIAS_LOOKUP expected "true" or "false"/],
  ])('refuses %o, naming the variable', (env, message) => {
    const load = () => loadConfig(responderEnv(env));
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(message);
  });

  it('reads the three settings', () => {
    expect(
      loadConfig(
        responderEnv({
          ACCOUNT_NAME: 'prod',
          RUNBOOK_URL: 'https://wiki.example.com/runbook',
          ACCOUNT_ALIAS_LOOKUP: 'true',
        }),
      ),
    ).toMatchObject({
      accountName: 'prod',
      runbookUrl: 'https://wiki.example.com/runbook',
      accountAliasLookup: true,
    });
  });
});
