// The organization sweep's membership part: the member count between sweeps (a drop no loss event explains is
// paged) and GuardDuty's own count (GetOrganizationStatistics) in the digest and the metrics. Mocked SDK: moto has
// none of these GuardDuty APIs (the state table is the in-memory model of test/support/fakes/state-table.ts).
import { GetOrganizationStatisticsCommand } from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import {
  awsFault,
  FakeStateTable,
  metricPoints,
  mockAws,
  protocolMessages,
  publishedInputs,
  resetAws,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { FakeOrganization, memberFeatures } from '../support/fakes/organization.js';
import { lambdaContext, retarget, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { ACCOUNT, coldStart, REGION, responderEnv } from '../support/mocked-responder.js';

const mocks = mockAws();
let organization: FakeOrganization;
let table: FakeStateTable;
let counter = 0;
let members: string[];

beforeEach(() => {
  resetAws(mocks);
  mocks.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  organization = new FakeOrganization(mocks);
  table = new FakeStateTable(mocks);
  members = organization.addMembers(10, 'ENABLED');
});
afterAll(() => {
  resetAws(mocks);
});

const organizationScope = (mode: 'remediate' | 'notify' = 'remediate') =>
  coldStart({ RESPONDER_SCOPE: 'organization', RESPONDER_MODE: mode });
const sweep = () => sweepEvent(REGION, `membership-sweep-${++counter}`);
const countItem = () => table.items.get(`members#${ACCOUNT}#${REGION}|count`);
const metric = (name: string) =>
  metricPoints(mocks)
    .filter((point) => point.name === name)
    .map((point) => point.value);
const disassociatedBy = (accountIds: readonly string[]) => {
  const event = retarget(syntheticFixture('DisassociateMembers.two-members.synthetic.json'), {
    eventId: `membership-loss-${++counter}`,
  });
  const detail = event.detail as Record<string, unknown>;
  (detail.requestParameters as Record<string, unknown>).accountIds = [...accountIds];
  // The call happens now (after the baseline sweep's read), as CloudTrail would date it.
  detail.eventTime = new Date().toISOString();
  return event;
};

describe('organization sweep: the member count', () => {
  it('records the first count as a baseline and pages nothing', async () => {
    const responder = await organizationScope();

    const result = await responder.invoke(sweep());

    expect(result).toMatchObject({ organization: { membership: { outcome: 'baseline', accounts: 10 } } });
    expect(countItem()?.count).toEqual({ N: '10' });
    expect(publishedInputs(mocks)).toEqual([]);
  });

  it('pages a drop no loss event explains (critical), once, and counts from the new number after', async () => {
    const responder = await organizationScope();
    await responder.invoke(sweep());
    // Two members leave without a call the responder received (a call it does not watch, or a lost event).
    organization.disassociate(members.slice(0, 2));

    const dropped = sweep();
    const result = await responder.invoke(dropped);

    expect(result).toMatchObject({
      organization: { outcome: 'compliant', membership: { outcome: 'member-count-dropped', accounts: 8 } },
    });
    const [input, ...others] = publishedInputs(mocks);
    expect(others).toEqual([]);
    expect(input?.Subject).toBe(
      '[CRITICAL] 123456789012 us-east-1: 2 members gone from GuardDuty, no event explains it',
    );
    const alert = structuredAlertOf(input ?? {});
    expect(alert).toMatchObject({
      kind: 'count-drop',
      outcome: 'member-count-dropped',
      severity: 'critical',
      actor: 'scheduled sweep',
      memberCount: { previous: 10, current: 8, explained: 0, unexplained: 2 },
    });
    expect(alert.fix).toContain('aws guardduty list-members --region us-east-1');
    expect(protocolMessages(input ?? {}).email).toContain('Members:   10 members at the last sweep');
    expect(metric('OrganizationMembersUnexplainedDrop')).toEqual([2]);
    expect(countItem()?.count).toEqual({ N: '8' });

    // Lambda redelivers the same sweep: no second page. The next sweep sees 8 = 8.
    await responder.invoke(dropped);
    const next = await responder.invoke(sweep());
    expect(publishedInputs(mocks)).toHaveLength(1);
    expect(next).toMatchObject({ organization: { membership: { outcome: 'steady' } } });
  });

  it('does not page a drop the loss events explain (the members they named and that stayed out)', async () => {
    const notify = await organizationScope('notify');
    await notify.invoke(sweep());
    const gone = members.slice(0, 2);
    organization.disassociate(gone);
    await notify.invoke(disassociatedBy(gone));
    expect(publishedInputs(mocks)).toHaveLength(1); // the event's own page

    const result = await notify.invoke(sweep());

    expect(result).toMatchObject({ organization: { membership: { outcome: 'explained' } } });
    expect(publishedInputs(mocks)).toHaveLength(1);
  });

  it('pages the part of a drop the events do not explain', async () => {
    const notify = await organizationScope('notify');
    await notify.invoke(sweep());
    organization.disassociate(members.slice(0, 3));
    await notify.invoke(disassociatedBy(members.slice(0, 1)));

    await notify.invoke(sweep());

    const drop = publishedInputs(mocks)
      .map((input) => structuredAlertOf(input))
      .find((a) => a.kind === 'count-drop');
    expect(drop).toMatchObject({ memberCount: { previous: 10, current: 7, explained: 1, unexplained: 2 } });
  });

  it('keeps the old count when the drop page cannot be published, so the next sweep pages it', async () => {
    const responder = await organizationScope();
    await responder.invoke(sweep());
    organization.disassociate(members.slice(0, 1));
    mocks.sns.on(PublishCommand).rejects(awsFault('sns', 'throttling'));

    await expect(responder.invoke(sweep())).rejects.toThrow(
      /member-count-dropped alert could not be published/,
    );
    expect(countItem()?.count).toEqual({ N: '10' });

    mocks.sns.on(PublishCommand).resolves({ MessageId: 'message-2' });
    const result = await responder.invoke(sweep());
    expect(result).toMatchObject({ organization: { membership: { outcome: 'member-count-dropped' } } });
    expect(countItem()?.count).toEqual({ N: '9' });
  });

  it('logs both parts when the drift page and the drop page both fail, then fails with the first', async () => {
    const lines: Record<string, unknown>[] = [];
    const handler = createResponder({
      env: responderEnv({ RESPONDER_SCOPE: 'organization' }),
      logger: new JsonLogger('test', 'INFO', (line) =>
        lines.push(JSON.parse(line) as Record<string, unknown>),
      ),
    });
    const run = () => handler.handle(sweep(), lambdaContext(REGION));
    await run();
    organization.disassociate(members.slice(0, 1));
    const drifted = organization.members.get(members[1] ?? '');
    if (drifted) drifted.features = memberFeatures('DISABLED');
    mocks.sns.on(PublishCommand).rejects(awsFault('sns', 'throttling'));

    await expect(run()).rejects.toThrow(/remediate alert could not be published/);

    const failed = lines.filter((line) => line.message === 'part-failed');
    expect(failed.map((line) => line.part)).toEqual(['organization members', 'member count', 'organization']);
    expect(failed[1]).toMatchObject({
      failedParts: 2,
      error: expect.arrayContaining([
        expect.stringMatching(/member-count-dropped alert could not be published/),
      ]),
    });
  });

  it('sees a growing organization as no drop', async () => {
    const responder = await organizationScope();
    await responder.invoke(sweep());
    organization.addMembers(2, 'ENABLED', 500);

    const result = await responder.invoke(sweep());

    expect(result).toMatchObject({ organization: { membership: { outcome: 'grew' } } });
    expect(publishedInputs(mocks)).toEqual([]);
  });

  it('does not count on a stored count that does not read as one (a new baseline instead)', async () => {
    table.items.set(`members#${ACCOUNT}#${REGION}|count`, {
      pk: { S: `members#${ACCOUNT}#${REGION}` },
      sk: { S: 'count' },
      count: { N: '-4' },
      observedAt: { N: String(Date.now() - 60_000) },
    });
    const responder = await organizationScope();

    expect(await responder.invoke(sweep())).toMatchObject({
      organization: { membership: { outcome: 'baseline' } },
    });
  });
});

describe("organization sweep: GuardDuty's own count (GetOrganizationStatistics)", () => {
  it('publishes it as metrics beside the sweep count, in one call per sweep', async () => {
    const responder = await organizationScope();

    await responder.invoke(sweep());

    expect(mocks.guardDuty.commandCalls(GetOrganizationStatisticsCommand)).toHaveLength(1);
    expect(metric('OrganizationAccountsEvaluated')).toEqual([10]);
    expect(metric('OrganizationStatisticsMemberAccounts')).toEqual([10]);
    expect(metric('OrganizationStatisticsEnabledAccounts')).toEqual([10]);
    expect(metric('OrganizationStatisticsRuntimeMonitoringAccounts')).toEqual([10]);
    expect(metric('OrganizationStatisticsEksAgentManagementAccounts')).toEqual([10]);
    expect(metric('OrganizationStatisticsEksRuntimeMonitoringAccounts')).toEqual([]);
  });

  it('shows it in the digest next to the sweep count', async () => {
    organization.addMembers(2, 'DISABLED', 100);
    const responder = await organizationScope();

    await responder.invoke(sweep());

    const [digest] = publishedInputs(mocks);
    expect(protocolMessages(digest ?? {}).email).toMatch(
      /Accounts: {2}12 evaluated, 2 without protection.*\nGuardDuty: GuardDuty counts 12 member accounts, 12 with GuardDuty enabled; RUNTIME_MONITORING in 10/,
    );
    expect(structuredAlertOf(digest ?? {})).toMatchObject({
      before: { evaluatedAccounts: 12 },
      organizationStatistics: {
        available: true,
        memberAccounts: 12,
        enabledByFeature: { RUNTIME_MONITORING: 10 },
      },
    });
  });

  it('does not fail the sweep when the call fails: logged, and the digest says it is unavailable', async () => {
    organization.faults.statistics = { error: awsFault('guardduty', 'access denied') };
    organization.addMembers(1, 'DISABLED', 100);
    const responder = await organizationScope();

    const result = await responder.invoke(sweep());

    expect(result).toMatchObject({ organization: { outcome: 'remediate', remediatedAccounts: 1 } });
    const [digest] = publishedInputs(mocks);
    expect(protocolMessages(digest ?? {}).email).toContain(
      "GuardDuty: GuardDuty's own count is unavailable (",
    );
    expect(structuredAlertOf(digest ?? {})).toMatchObject({ organizationStatistics: { available: false } });
    expect(metric('OrganizationStatisticsMemberAccounts')).toEqual([]);
  });

  it('is not read for an organization event (the sweep only)', async () => {
    const responder = await organizationScope();

    await responder.invoke(
      retarget(syntheticFixture('UpdateMemberDetectors.disable-runtime-monitoring.synthetic.json'), {
        eventId: `membership-event-${++counter}`,
      }),
    );

    expect(mocks.guardDuty.commandCalls(GetOrganizationStatisticsCommand)).toEqual([]);
    expect(countItem()).toBeUndefined();
  });
});
