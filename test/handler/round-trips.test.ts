/*
 * Round trips where protection is waiting: for a call that took protection away, the recent re-enables are counted
 * while the detector is read, so only the case claim stands between the read and the re-enabling UpdateDetector.
 * Asserted by order (what is in flight when), never by time; the bench measures the time.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetDetectorCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DRIFTED, FakeStateTable, mockAws, PROTECTED, resetAws } from '../support/aws-mocks.js';
import { syntheticFixture } from '../support/fixtures.js';
import { coldStart, type MockedResponder } from '../support/mocked-responder.js';

const aws = mockAws();
let responder: MockedResponder;

beforeEach(async () => {
  resetAws(aws);
  new FakeStateTable(aws);
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
});
afterAll(() => resetAws(aws));

describe('Function: handler, round trips before the write', () => {
  it('counts the recent re-enables while the detector is still being read', async () => {
    // Prepare: GetDetector answers only once the count has been asked for.
    let countAsked: () => void = () => undefined;
    const counted = new Promise<void>((resolve) => {
      countAsked = resolve;
    });
    const queries = () => aws.dynamoDb.commandCalls(QueryCommand).length;
    const before = queries();
    aws.guardDuty
      .on(GetDetectorCommand)
      .callsFakeOnce(async () => {
        await counted;
        return DRIFTED;
      })
      .resolves(PROTECTED);
    responder = await coldStart();
    const watch = setInterval(() => {
      if (queries() > before) countAsked();
    }, 1);

    // Act
    const result = await responder.invoke(
      syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'),
    );
    clearInterval(watch);

    // Assess: the read could only finish because the count was already in flight.
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(aws.dynamoDb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({ Select: 'COUNT' });
  });

  it('does not count for a call that added protection (the sweep and enabling calls read first)', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);
    responder = await coldStart();

    await responder.invoke(syntheticFixture('UpdateDetector.enable-runtime-monitoring.synthetic.json'));

    expect(aws.dynamoDb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
