/*
 * Round trips on the organization sweep's critical path: ListMembers is a chain (each page needs the previous
 * NextToken), so the next page is asked for before the members of the page in hand are read, and the circuit
 * breaker's count starts beside the reads as soon as a drift is found. Asserted by order (what was asked for
 * before what), never by time; the bench measures the time.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import {
  GetMemberDetectorsCommand,
  type GetMemberDetectorsCommandInput,
  ListMembersCommand,
  type ListMembersCommandInput,
} from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readAhead } from '../../handlers/flow/organization/read.js';
import { FakeStateTable, mockAws, resetAws } from '../support/aws-mocks.js';
import { FakeOrganization } from '../support/fakes/organization.js';
import { sweepEvent } from '../support/fixtures.js';
import { coldStart, REGION } from '../support/mocked-responder.js';

const mocks = mockAws();
let organization: FakeOrganization;
let sweepCounter = 0;

beforeEach(() => {
  resetAws(mocks);
  mocks.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  organization = new FakeOrganization(mocks);
  new FakeStateTable(mocks);
});
afterAll(() => resetAws(mocks));

const sweep = () => sweepEvent(REGION, `org-round-trips-${++sweepCounter}`);
const organizationScope = (mode: 'remediate' | 'notify' = 'remediate') =>
  coldStart({ RESPONDER_SCOPE: 'organization', RESPONDER_MODE: mode });
/** The breaker's count reads the organization's remediation history (an `organization#` partition). */
const breakerQueries = () =>
  mocks.dynamoDb
    .commandCalls(QueryCommand)
    .map((call) => call.args[0].input as QueryCommandInput)
    .filter((input) => input.ExpressionAttributeValues?.[':pk']?.S?.startsWith('organization#'));

/** Records every ListMembers and GetMemberDetectors as it is sent, then answers from the fake organization. */
function recordOrder(): string[] {
  const order: string[] = [];
  mocks.guardDuty.on(ListMembersCommand).callsFake((input: ListMembersCommandInput) => {
    order.push(`ListMembers ${input.NextToken ?? 'first'}`);
    return organization.listMembers(input);
  });
  mocks.guardDuty.on(GetMemberDetectorsCommand).callsFake((input: GetMemberDetectorsCommandInput) => {
    order.push(`GetMemberDetectors ${input.AccountIds?.[0] ?? ''}`);
    return organization.getMemberDetectors(input);
  });
  return order;
}

describe('organization scope: round trips of the sweep', () => {
  it('asks for the next ListMembers page before it reads the members of the page in hand', async () => {
    // Prepare
    const [first] = organization.addMembers(120, 'ENABLED');
    const order = recordOrder();
    const responder = await organizationScope();

    // Act
    const result = await responder.invoke(sweep());

    // Assess
    expect(result).toMatchObject({ organization: { outcome: 'compliant', evaluatedAccounts: 120 } });
    expect(order.slice(0, 3)).toEqual(['ListMembers first', 'ListMembers 50', `GetMemberDetectors ${first}`]);
  });

  it('starts the circuit breaker count while the members are still being listed, once a drift is found', async () => {
    // Prepare: the last page is answered only once the count has been asked for.
    organization.addMembers(1, 'DISABLED');
    organization.addMembers(119, 'ENABLED', 1);
    let countAsked: () => void = () => undefined;
    const counted = new Promise<void>((resolve) => {
      countAsked = resolve;
    });
    mocks.guardDuty.on(ListMembersCommand).callsFake(async (input: ListMembersCommandInput) => {
      if (input.NextToken === '100') await counted;
      return organization.listMembers(input);
    });
    const table = new FakeStateTable(mocks);
    mocks.dynamoDb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      if (input.ExpressionAttributeValues?.[':pk']?.S?.startsWith('organization#')) countAsked();
      return table.query(input);
    });
    const responder = await organizationScope();

    // Act
    const result = await responder.invoke(sweep());

    // Assess: the sweep could only finish because the count was in flight before the last page was listed.
    expect(result).toMatchObject({ organization: { outcome: 'remediate', remediatedAccounts: 1 } });
    expect(breakerQueries()).toHaveLength(1);
  });

  it('does not count when every member is protected, nor in notify mode', async () => {
    organization.addMembers(60, 'ENABLED');
    await (await organizationScope()).invoke(sweep());
    expect(breakerQueries()).toHaveLength(0);

    organization.addMembers(1, 'DISABLED', 500);
    const result = await (await organizationScope('notify')).invoke(sweep());
    expect(result).toMatchObject({ organization: { outcome: 'would-remediate' } });
    expect(breakerQueries()).toHaveLength(0);
  });
});

describe('readAhead', () => {
  it('asks for the next item as soon as one arrives, and hands them on in order', async () => {
    // Prepare
    const asked: number[] = [];
    async function* source() {
      for (let page = 1; page <= 3; page += 1) {
        asked.push(page);
        yield page;
      }
    }
    const seen: { page: number; asked: number[] }[] = [];

    // Act
    for await (const page of readAhead(source())) seen.push({ page, asked: [...asked] });

    // Assess: each page is handed on only once the one after it has been asked for.
    expect(seen).toEqual([
      { page: 1, asked: [1, 2] },
      { page: 2, asked: [1, 2, 3] },
      { page: 3, asked: [1, 2, 3] },
    ]);
  });

  it('passes on the failure of the next item where it is awaited', async () => {
    async function* source() {
      yield 1;
      throw new Error('ListMembers failed');
    }
    const seen: number[] = [];
    await expect(async () => {
      for await (const page of readAhead(source())) seen.push(page);
    }).rejects.toThrow('ListMembers failed');
    expect(seen).toEqual([1]);
  });
});
