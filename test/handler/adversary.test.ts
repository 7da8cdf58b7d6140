/*
 * What an adversary (or bad timing) tried against the responder, each through the real Lambda entry point with
 * aws-sdk-client-mock and the in-memory state table: a crash between the write and the page, an event and the sweep
 * at once, the sweep getting there before the CloudTrail event that names who did it, a permission that stays
 * missing, a standing drift kept quiet past its day by DynamoDB's lazy TTL, a sweep for another account, and the
 * exemption tags set to "forever" or removed. Each test failed before the fix it names (issue "Hold against an
 * adversary").
 */
import { GetDetectorCommand, ListDetectorsCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { expectWellFormedAlert } from '../support/alert-assertions.js';
import {
  awsFault,
  DRIFTED,
  detectorResponse,
  FakeStateTable,
  metricPoints,
  mockAws,
  PROTECTED,
  publishedInputs,
  resetAws,
  runtimeFeature,
  structuredAlertOf,
} from '../support/aws-mocks.js';
import { lambdaContext, retarget, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { type Handler, loadHandler } from '../support/handler-loader.js';
import { ACCOUNT, REGION, responderEnv } from '../support/mocked-responder.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const CASE_KEY = `case#${ACCOUNT}#${REGION}#${DETECTOR}`;
const HISTORY_KEY = `detector#${ACCOUNT}#${REGION}#${DETECTOR}`;
const DISABLE = 'UpdateDetector.disable-runtime-monitoring.synthetic.json';
const ALICE = 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com';

const aws = mockAws();
let table: FakeStateTable;
let handler: Handler;

beforeEach(async () => {
  resetAws(aws);
  table = new FakeStateTable(aws);
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
  aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  process.env.AWS_REGION = REGION;
  handler = await loadHandler(responderEnv());
});
afterAll(() => resetAws(aws));

/** The runtime's context; `leaseMs` is the invocation's remaining time, which is how long a claim is leased. */
const context = (leaseMs = 60_000): Context => ({
  ...lambdaContext(REGION),
  getRemainingTimeInMillis: () => leaseMs,
});
const invoke = (event: unknown, leaseMs?: number) => handler(event, context(leaseMs));
const historyOf = () => [...table.items.values()].filter((item) => item.pk?.S === HISTORY_KEY);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Waits until the attempt running beside the test has got as far as `reached` says (a call made): a fixed sleep is
 * not enough when the first invocation of a file still loads its modules.
 */
async function until(reached: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !reached(); waited += 5) {
    if (waited > 10_000) throw new Error(`the attempt beside the test never reached: ${what}`);
    await sleep(5);
  }
}
const writes = () => aws.guardDuty.commandCalls(UpdateDetectorCommand).length;
const publishes = () => aws.sns.commandCalls(PublishCommand).length;
/** A promise the test resolves itself: an AWS call that waits for it stands still until then. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('Defect 1: a crash after the write loses no page', () => {
  it('sends the alert a crashed invocation owed, and counts its write, when the retry finds the detector compliant', async () => {
    // Prepare: the first attempt writes, then dies while reading back (its read never returns).
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .callsFakeOnce(() => new Promise(() => undefined))
      .resolves(PROTECTED);
    // The crashed attempt: nothing awaits it any more (whatever it does later is ignored, as a dead process).
    invoke(syntheticFixture(DISABLE), 20).catch(() => undefined);
    await until(() => writes() === 1, 'its UpdateDetector');
    await sleep(50); // the crashed attempt's lease (its remaining time, 20 ms) runs out

    // Act: Lambda's retry of the same event.
    const retry = await invoke(syntheticFixture(DISABLE));

    // Assess
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    expect(retry).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(publishedInputs(aws)).toHaveLength(1);
    const alert = expectWellFormedAlert(publishedInputs(aws)[0], { outcome: 'remediate', severity: 'high' });
    expect(String(alert.action)).toMatch(/Restored by the responder at .* delayed by a failed invocation/);
    expect(historyOf()).toHaveLength(1);
    expect(historyOf()[0]?.actor?.S).toBe(ALICE);
    expect(table.claimOf(CASE_KEY)?.status?.S).toBe('COMPLETED');
  });

  it('lets the next sweep deliver it when Lambda has given up retrying the event', async () => {
    // Prepare
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .callsFakeOnce(() => new Promise(() => undefined))
      .resolves(PROTECTED);
    // The crashed attempt: nothing awaits it any more (whatever it does later is ignored, as a dead process).
    invoke(syntheticFixture(DISABLE), 20).catch(() => undefined);
    await until(() => writes() === 1, 'its UpdateDetector');
    await sleep(50);

    // Act
    await invoke(sweepEvent(REGION, 'sweep-after-crash'));

    // Assess
    expect(publishedInputs(aws)).toHaveLength(1);
    expect(structuredAlertOf(publishedInputs(aws)[0] ?? {})).toMatchObject({ outcome: 'remediate' });
    expect(historyOf()).toHaveLength(1);
  });
});

describe('Defect 6: an event and the sweep at once are one case', () => {
  it('restores and pages once when the sweep reads the drift while the event is re-enabling it', async () => {
    // Prepare: the event's UpdateDetector waits until the sweep has decided.
    const write = gate();
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.guardDuty.on(UpdateDetectorCommand).callsFakeOnce(async () => {
      await write.opened;
      return {};
    });

    // Act
    const event = invoke(syntheticFixture(DISABLE));
    await until(() => writes() === 1, "the event's UpdateDetector");
    const sweep = await invoke(sweepEvent(REGION, 'sweep-meanwhile'));
    write.open();
    const eventResult = await event;

    // Assess
    expect(sweep).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringMatching(/already being handled by event#/) }],
    });
    expect(eventResult).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    expect(publishedInputs(aws)).toHaveLength(1);
    expect(metricPoints(aws).filter((point) => point.name === 'DriftDetected')).toHaveLength(1);
    expect(historyOf()).toHaveLength(1);
  });
});

describe('Defect 7: the actor is named even when the sweep gets there first', () => {
  it('sends a short follow-up naming who did it when the CloudTrail event arrives after the sweep restored it', async () => {
    // Prepare: the sweep finds the drift and restores it; the event of the disable arrives late.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    const sweep = await invoke(sweepEvent(REGION, 'sweep-first'));

    // Act
    const late = await invoke(syntheticFixture(DISABLE));

    // Assess
    expect(sweep).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(late).toMatchObject({ reports: [{ outcome: 'attribution' }] });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    expect(publishedInputs(aws)).toHaveLength(2);
    const [first, followUp] = publishedInputs(aws).map((input) => structuredAlertOf(input));
    expect(first).toMatchObject({ actor: 'scheduled sweep' });
    expect(followUp).toMatchObject({ outcome: 'attribution', severity: 'high', actor: ALICE });
    expect(String(followUp?.action)).toContain('sweep#sweep-first');
  });

  it('has the event retry while the sweep holds the case, then send the follow-up once', async () => {
    // Prepare
    const write = gate();
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.guardDuty.on(UpdateDetectorCommand).callsFakeOnce(async () => {
      await write.opened;
      return {};
    });

    // Act: the event arrives while the sweep is restoring; Lambda retries it after the sweep is done.
    const sweep = invoke(sweepEvent(REGION, 'sweep-in-progress'));
    await until(() => writes() === 1, "the sweep's UpdateDetector");
    const whileHeld = invoke(syntheticFixture(DISABLE));
    await expect(whileHeld).rejects.toThrow(/being handled by sweep#sweep-in-progress; retrying/);
    write.open();
    await sweep;
    const retry = await invoke(syntheticFixture(DISABLE));
    const another = await invoke(syntheticFixture(DISABLE));

    // Assess
    expect(retry).toMatchObject({ reports: [{ outcome: 'attribution' }] });
    expect(another).toMatchObject({ reports: [{ outcome: 'ignored' }] });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    expect(
      publishedInputs(aws)
        .map((input) => structuredAlertOf(input).outcome)
        .sort(),
    ).toEqual(['attribution', 'remediate']);
  });

  it('sends no follow-up when the event itself handled the drift', async () => {
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);

    await invoke(syntheticFixture(DISABLE));
    const redelivery = await invoke(syntheticFixture(DISABLE));

    expect(redelivery).toMatchObject({ reports: [{ outcome: 'compliant' }] });
    expect(publishedInputs(aws)).toHaveLength(1);
  });
});

describe('Defect 8: smaller holes', () => {
  it('pages a permission that stays missing once, then again only after a day', async () => {
    // Prepare: every sweep finds the drift and its UpdateDetector is denied.
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
    aws.guardDuty.on(UpdateDetectorCommand).rejects(awsFault('guardduty', 'access denied'));

    // Act: three sweeps, then one more after the last page is a day old.
    for (const id of ['s1', 's2', 's3']) await expect(invoke(sweepEvent(REGION, id))).rejects.toThrow();
    const pagesWithinTheDay = publishedInputs(aws).length;
    const kept = table.claimOf(CASE_KEY) ?? {};
    table.seedClaim(CASE_KEY.slice(0), {
      ...kept,
      failureAlertedAt: { N: String(Date.now() - 25 * 60 * 60 * 1000) },
    });
    await expect(invoke(sweepEvent(REGION, 's4'))).rejects.toThrow();

    // Assess
    expect(pagesWithinTheDay).toBe(1);
    expect(publishedInputs(aws)).toHaveLength(2);
    const alert = structuredAlertOf(publishedInputs(aws)[0] ?? {});
    expect(alert).toMatchObject({ outcome: 'remediate', remediation: 'failed', severity: 'critical' });
    expect(String(alert.action)).toMatch(/lacks a permission it needs \(check guardduty:UpdateDetector/);
  });

  it('repeats a standing drift once its day is over, even while DynamoDB has not deleted the expired item', async () => {
    // Prepare: notify mode, one sweep paged the drift; a day later its claim is still there (TTL deletes lazily).
    handler = await loadHandler(responderEnv({ RESPONDER_MODE: 'notify' }));
    aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
    await invoke(sweepEvent(REGION, 'day-1'));
    const kept = table.claimOf(CASE_KEY) ?? {};
    table.seedClaim(CASE_KEY, { ...kept, claimableAt: { N: String(Date.now() - 1000) } });

    // Act
    const sameDay = publishedInputs(aws).length;
    await invoke(sweepEvent(REGION, 'day-2'));

    // Assess
    expect(sameDay).toBe(1);
    expect(publishedInputs(aws)).toHaveLength(2);
  });

  it('ignores a sweep for another account', async () => {
    const foreign = { ...sweepEvent(REGION, 'foreign'), account: '210987654321' };

    const result = await invoke(foreign);

    expect(result).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringMatching(/sweep is for account 210987654321/) }],
    });
    expect(aws.guardDuty.calls()).toHaveLength(0);
  });
});

describe('Defect 2: the exemption tags are a signal', () => {
  const exemptForever = detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED')], {
    tags: { 'drift-responder:exempt-until': '9999-12-31', 'drift-responder:exempt-reason': 'maintenance' },
  });

  it('reports an exemption set to the year 9999 as refused, names who, and restores the detector it does not excuse', async () => {
    // Prepare
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(exemptForever).resolves(PROTECTED);

    // Act
    const result = await invoke(syntheticFixture('TagResource.set-exemption.synthetic.json'));

    // Assess
    expect(result).toMatchObject({
      reports: [{ outcome: 'exemption-change' }, { outcome: 'remediate', remediation: 'succeeded' }],
    });
    const report = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'exemption-change',
      severity: 'high',
    });
    expect(report).toMatchObject({ actor: ALICE, exemption: { status: 'refused', until: '9999-12-31' } });
    expect(String(report.action)).toMatch(/later than the 30 days MAX_EXEMPTION_DAYS allows/);
    expect(report.changes).toContain('tag drift-responder:exempt-until → 9999-12-31');
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
  });

  it('keeps refusing an exemption that was too long when it appeared, once its end comes within reach', async () => {
    // Prepare: tags ending in 29 days, first seen 31 days ago (so 60 days long when they appeared).
    const day = 24 * 60 * 60 * 1000;
    const until = new Date(Date.now() + 29 * day).toISOString().slice(0, 10);
    table.items.set(`exemption#${ACCOUNT}#${REGION}#${DETECTOR}|first-seen`, {
      pk: { S: `exemption#${ACCOUNT}#${REGION}#${DETECTOR}` },
      sk: { S: 'first-seen' },
      untilValue: { S: until },
      firstSeenAt: { N: String(Date.now() - 31 * day) },
    });
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(
        detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED')], {
          tags: { 'drift-responder:exempt-until': until, 'drift-responder:exempt-reason': 'waited it out' },
        }),
      )
      .resolves(PROTECTED);

    // Act
    const result = await invoke(syntheticFixture(DISABLE));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(structuredAlertOf(publishedInputs(aws)[0] ?? {})).toMatchObject({
      exemption: { status: 'refused' },
    });
  });

  it('remembers when a refused exemption first appeared until past its end, not only for a year', async () => {
    // Prepare: an end 20 years away, refused; DynamoDB's TTL deletes the first sighting at its expiresAt, after
    // which the same tags would count from that day.
    const until = '2046-12-31';
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(
        detectorResponse([runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED')], {
          tags: {
            'drift-responder:exempt-until': until,
            'drift-responder:exempt-reason': 'outwait the record',
          },
        }),
      )
      .resolves(PROTECTED);

    // Act
    await invoke(syntheticFixture(DISABLE));

    // Assess: kept until a day after the end (2047-01-01T00:00Z plus a day), not for 366 days.
    const seen = table.items.get(`exemption#${ACCOUNT}#${REGION}#${DETECTOR}|first-seen`);
    expect(seen?.untilValue?.S).toBe(until);
    expect(Number(seen?.expiresAt?.N)).toBe(Date.UTC(2047, 0, 2) / 1000);
  });

  it('reports a valid exemption and its removal at medium severity, without touching a compliant detector', async () => {
    // Prepare
    aws.guardDuty.on(GetDetectorCommand).resolves(PROTECTED);

    // Act
    const removed = await invoke(syntheticFixture('UntagResource.remove-exemption.synthetic.json'));

    // Assess
    expect(removed).toMatchObject({ reports: [{ outcome: 'exemption-change' }] });
    const report = expectWellFormedAlert(publishedInputs(aws)[0], {
      outcome: 'exemption-change',
      severity: 'medium',
    });
    expect(String(report.action)).toMatch(/removed exemption tags/);
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(0);
  });

  it('reports a denied attempt to set an exemption, and ignores a denied removal', async () => {
    const denied = (name: string) => {
      const event = syntheticFixture(name) as { detail: Record<string, unknown> };
      event.detail.errorCode = 'AccessDenied';
      event.detail.errorMessage = 'User is not authorized to perform: guardduty:TagResource';
      return event;
    };

    const set = await invoke(denied('TagResource.set-exemption.synthetic.json'));
    const removed = await invoke(denied('UntagResource.remove-exemption.synthetic.json'));

    expect(set).toMatchObject({ reports: [{ outcome: 'disable-denied' }] });
    expect(removed).toMatchObject({
      reports: [{ outcome: 'ignored', reason: expect.stringMatching(/changed nothing/) }],
    });
    expect(publishedInputs(aws)).toHaveLength(1);
    expect(aws.guardDuty.calls()).toHaveLength(0);
  });

  it('ignores tag calls that do not touch the exemption tags', async () => {
    const event = syntheticFixture('TagResource.set-exemption.synthetic.json') as {
      detail: { requestParameters: { tags: Record<string, string> } };
    };
    event.detail.requestParameters.tags = { team: 'platform' };

    const result = await invoke(event);

    expect(result).toMatchObject({
      reports: [{ outcome: 'ignored', reason: 'TagResource does not change the exemption tags' }],
    });
    expect(aws.guardDuty.calls()).toHaveLength(0);
  });
});

describe('Review findings: a page kept while the topic fails is never dropped by a newer attempt of its case', () => {
  const kept = () => {
    const text = table.claimOf(CASE_KEY)?.pendingNotification?.S;
    const value: unknown = text === undefined ? [] : JSON.parse(text);
    return (Array.isArray(value) ? value : [value]) as { subject: string; message: string }[];
  };
  const outcomeOf = (page: { message: string } | undefined) =>
    JSON.parse(JSON.parse(page?.message ?? '{}').sqs ?? '{}').outcome;
  /** A large page an earlier attempt kept: `name: ` and the filler as its e-mail text. */
  const largePage = (name: string, filler: string) => {
    const text = `${name}: ${filler}`;
    return {
      subject: `GuardDuty drift ${name}`,
      message: JSON.stringify({ default: text, email: text, sqs: '{}', lambda: '{}' }),
      attributes: { severity: 'high', outcome: 'remediate', accountId: ACCOUNT, region: REGION },
    };
  };
  /** A case another trigger left RETRYABLE with these pages kept. */
  const seedKept = (pages: readonly object[]) =>
    table.seedClaim(CASE_KEY, {
      status: { S: 'RETRYABLE' },
      outcome: { S: 'remediate' },
      owner: { S: 'sweep#an-earlier-sweep' },
      pendingNotification: { S: JSON.stringify(pages) },
    });

  it('keeps the critical fight page of a failed Publish, so the next restore pages critical instead of folding', async () => {
    // Prepare: a fight (three re-enables in the last hour); the topic fails while two more disables come in.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(PROTECTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    const now = Date.now();
    table.seedRemediations(
      HISTORY_KEY,
      [40, 30, 20].map((minutes) => new Date(now - minutes * 60_000)),
    );
    aws.sns.on(PublishCommand).rejects(awsFault('sns', 'server error (500)'));
    const second = retarget(syntheticFixture(DISABLE), { eventId: 'second-disable-in-the-fight' });

    // Act
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(/could not be published/);
    await expect(invoke(second)).rejects.toThrow(/could not be published/);

    // Assess: both restores happened, neither folded into a page that never went out; both pages are kept.
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(2);
    expect(kept().map(outcomeOf)).toEqual(['circuit-open', 'circuit-open']);

    // Act: the topic works again; Lambda retries the second event.
    aws.sns.on(PublishCommand).resolves({ MessageId: 'after-the-outage' });
    aws.sns.resetHistory();
    await invoke(second);

    // Assess: both fight pages go out, oldest first, and the case is settled.
    const pages = publishedInputs(aws);
    expect(pages).toHaveLength(2);
    for (const page of pages) expectWellFormedAlert(page, { outcome: 'circuit-open', severity: 'critical' });
    expect(table.claimOf(CASE_KEY)?.status?.S).toBe('COMPLETED');
    expect(table.claimOf(CASE_KEY)?.pendingNotification).toBeUndefined();
    // The fight page went out now: restores within the hour fold into it.
    expect(Number(table.claimOf(CASE_KEY)?.fightPagedAt?.N)).toBeGreaterThan(now);
  });

  it("keeps an earlier attempt's page when only the new attempt's own page gets through, and fails for the retry", async () => {
    // Prepare: E1 restores and its page is kept; the detector is turned off again; the topic refuses the kept page
    // once more but takes E2's own.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(PROTECTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    aws.sns
      .on(PublishCommand)
      .rejectsOnce(awsFault('sns', 'server error (500)'))
      .rejectsOnce(awsFault('sns', 'server error (500)'))
      .resolves({ MessageId: 'e2-page' });
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(/could not be published/);
    const first = kept()[0]?.subject;
    const second = retarget(syntheticFixture(DISABLE), { eventId: 'e2-after-the-kept-page' });

    // Act
    await expect(invoke(second)).rejects.toThrow(/1 earlier alert\(s\) of this case could not be published/);

    // Assess: E2's page went out, E1's is still kept; E2's retry sends it and settles the case.
    expect(publishedInputs(aws)).toHaveLength(3);
    expect(kept().map((page) => page.subject)).toEqual([first]);
    await invoke(second);
    expect(publishedInputs(aws).at(-1)?.Subject).toBe(first);
    expect(table.claimOf(CASE_KEY)?.status?.S).toBe('COMPLETED');
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(2);
  });

  it('restores on the retry of an attempt whose write failed beside a kept page, not only sends the page', async () => {
    // Prepare: E1 restores, its page is kept; the detector is off again; E2's write and Publish both fail.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(PROTECTED)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    aws.guardDuty
      .on(UpdateDetectorCommand)
      .resolvesOnce({})
      .rejectsOnce(awsFault('guardduty', 'server error (500)'))
      .resolves({});
    aws.sns.on(PublishCommand).rejects(awsFault('sns', 'server error (500)'));
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(/could not be published/);
    const second = retarget(syntheticFixture(DISABLE), { eventId: 'e2-write-fails' });
    await expect(invoke(second)).rejects.toThrow();
    expect(kept()).toHaveLength(1);

    // Act: the retry of E2, with GuardDuty and the topic working again.
    aws.sns.on(PublishCommand).resolves({ MessageId: 'back' });
    aws.sns.resetHistory();
    const retry = await invoke(second);

    // Assess: restored this time, E1's kept page and E2's own both sent.
    expect(retry).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(3);
    expect(publishedInputs(aws)).toHaveLength(2);
  });

  it('sends the kept page and the news that protection is back when the sweep finds a failed restore fixed', async () => {
    // Prepare: as above, E1's page is kept and E2's write and Publish fail; then someone re-enables by hand.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(PROTECTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    aws.guardDuty
      .on(UpdateDetectorCommand)
      .resolvesOnce({})
      .rejects(awsFault('guardduty', 'server error (500)'));
    aws.sns.on(PublishCommand).rejects(awsFault('sns', 'server error (500)'));
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(/could not be published/);
    await expect(
      invoke(retarget(syntheticFixture(DISABLE), { eventId: 'e2-write-fails' })),
    ).rejects.toThrow();

    // Act: the sweep, with the topic working again, reads the detector protected.
    aws.sns.on(PublishCommand).resolves({ MessageId: 'back' });
    aws.sns.resetHistory();
    await invoke(sweepEvent(REGION, 'sweep-after-the-outage'));

    // Assess: E1's kept page, then the news about E2's drift: nothing of either is lost.
    const pages = publishedInputs(aws).map((input) => structuredAlertOf(input));
    expect(pages).toHaveLength(2);
    expect(String(pages[1]?.action)).toMatch(/could not confirm its re-enable|protection is back/);
    expect(table.claimOf(CASE_KEY)?.status?.S).toBe('COMPLETED');
  });

  it('merges many kept pages into one rather than drop any, the newest kept beside it', async () => {
    // Prepare: twelve large pages of earlier attempts wait; the topic still fails.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.sns.on(PublishCommand).rejects(awsFault('sns', 'server error (500)'));
    seedKept(Array.from({ length: 12 }, (_, index) => largePage(String(index), 'y'.repeat(100_000))));

    // Act
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(/could not be published/);

    // Assess: two pages within the budget; the first names all twelve earlier ones.
    const stored = table.claimOf(CASE_KEY)?.pendingNotification?.S ?? '';
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(160 * 1024);
    const pages = kept();
    expect(pages).toHaveLength(2);
    expect(pages[0]?.subject).toBe('12 delayed GuardDuty drift responder alerts');
    for (let index = 0; index < 12; index += 1)
      expect(pages[0]?.message).toContain(`GuardDuty drift ${index}`);
    expect(outcomeOf(pages[1])).toBe('remediate');
  });

  it('keeps older pages reduced, not dropped, when they and the new one would not fit in one claim', async () => {
    // Prepare: the case keeps two large pages of earlier attempts; the detector is off; the topic still fails.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.sns.on(PublishCommand).rejects(awsFault('sns', 'server error (500)'));
    const filler = 'x'.repeat(150_000);
    seedKept([largePage('one', filler), largePage('two', filler)]);

    // Act
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(/could not be published/);

    // Assess: all three are kept within the claim's budget, oldest first, the new one whole.
    const pages = kept();
    expect(pages.map((page) => page.subject)).toEqual([
      'GuardDuty drift one',
      'GuardDuty drift two',
      expect.stringMatching(/./),
    ]);
    expect(Buffer.byteLength(table.claimOf(CASE_KEY)?.pendingNotification?.S ?? '')).toBeLessThanOrEqual(
      160 * 1024,
    );
    expect(JSON.parse(pages[0]?.message ?? '{}')).toMatchObject({
      default: expect.stringMatching(/^one: x+\n\[cut/),
      email: expect.stringMatching(/^one: x+\n\[cut/),
    });
    expect(outcomeOf(pages[2])).toBe('remediate');
  });
});

describe('Review findings: protection is never left off by a stuck page, a busy case or a forged record', () => {
  it('restores a new drift although the alert of an earlier one still cannot be published', async () => {
    // Prepare: E1 restores, its Publish fails (the alert is kept); the detector is turned off again; the topic
    // still fails when the sweep comes.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(PROTECTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    aws.sns.on(PublishCommand).rejects(awsFault('sns', 'server error (500)'));

    // Act
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(/could not be published/);
    await expect(invoke(sweepEvent(REGION, 'sweep-while-the-topic-fails'))).rejects.toThrow(/sweep failed/);

    // Assess: both drifts were restored; the newest alert is kept for when the topic works again.
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(2);
    expect(table.claimOf(CASE_KEY)?.pendingNotification?.S).toBeDefined();
  });

  it('restores a drift read while another event was still settling the case (a disable right after a re-enable)', async () => {
    // Prepare: E1's Publish waits; meanwhile E2 reads the detector off again.
    const page = gate();
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(PROTECTED)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    aws.sns
      .on(PublishCommand)
      .callsFakeOnce(async () => {
        await page.opened;
        return { MessageId: 'm1' };
      })
      .resolves({ MessageId: 'm2' });
    const second = retarget(syntheticFixture(DISABLE), { eventId: 'e2-right-after' });

    // Act
    const first = invoke(syntheticFixture(DISABLE));
    await until(() => publishes() === 1, "the first event's Publish");
    await expect(invoke(second)).rejects.toThrow(/retrying/);
    page.open();
    await first;
    const retry = await invoke(second);

    // Assess
    expect(retry).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(2);
  });

  it("asks Lambda to retry, not reports compliant, when the crashed attempt's lease still runs", async () => {
    // Prepare: the first attempt dies after its write; the retry comes before its lease is over.
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .callsFakeOnce(() => new Promise(() => undefined))
      .resolves(PROTECTED);
    invoke(syntheticFixture(DISABLE), 60_000).catch(() => undefined);
    await until(() => writes() === 1, 'its UpdateDetector');

    // Act + Assess
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(
      /held by event#.*retrying after its lease/,
    );
    expect(publishedInputs(aws)).toHaveLength(0);
  });

  it('has the retry of an attempt that died inside its write come back after the lease, not report it handled', async () => {
    // Prepare: the first attempt claims the case and never returns from its UpdateDetector (a killed sandbox).
    aws.guardDuty
      .on(GetDetectorCommand)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(DRIFTED)
      .resolvesOnce(DRIFTED)
      .resolves(PROTECTED);
    aws.guardDuty
      .on(UpdateDetectorCommand)
      .callsFakeOnce(() => new Promise(() => undefined))
      .resolves({});
    invoke(syntheticFixture(DISABLE), 200).catch(() => undefined);
    await until(() => writes() === 1, 'its UpdateDetector');

    // Act: Lambda's retry of the same event, once while the lease runs and once after it.
    await expect(invoke(syntheticFixture(DISABLE))).rejects.toThrow(
      /held by an earlier attempt of this trigger; retrying after its lease/,
    );
    await sleep(250);
    const retry = await invoke(syntheticFixture(DISABLE));

    // Assess: the drift is restored and paged once.
    expect(retry).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(2);
    expect(publishedInputs(aws)).toHaveLength(1);
  });

  it('takes over a case whose lease or closing date no invocation could have written', async () => {
    // Prepare: someone wrote a case that would keep every trigger out for a year.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    const aYear = String(Date.now() + 365 * 24 * 60 * 60 * 1000);
    table.seedClaim(CASE_KEY, {
      status: { S: 'IN_PROGRESS' },
      owner: { S: 'event#forged' },
      leaseUntil: { N: aYear },
      expiresAt: { N: aYear },
    });

    // Act
    const result = await invoke(syntheticFixture(DISABLE));

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
  });

  it('restores after an exemption was removed even when the first restore failed and Lambda retries', async () => {
    // Prepare: the exemption is removed from a detector that is off; the first UpdateDetector fails.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.guardDuty
      .on(UpdateDetectorCommand)
      .rejectsOnce(awsFault('guardduty', 'server error (500)'))
      .resolves({});

    // Act
    const untag = syntheticFixture('UntagResource.remove-exemption.synthetic.json');
    await expect(invoke(untag)).rejects.toThrow();
    const retry = await invoke(untag);

    // Assess
    expect(retry).toMatchObject({
      reports: [{ outcome: 'ignored' }, { outcome: 'remediate', remediation: 'succeeded' }],
    });
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(2);
  });

  it('restores at once when an exemption is removed while the topic fails, not after the report is out', async () => {
    // Prepare: the exemption is removed from a detector that is off; every Publish fails.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.sns.on(PublishCommand).rejects(awsFault('sns', 'server error (500)'));

    // Act
    const untag = syntheticFixture('UntagResource.remove-exemption.synthetic.json');
    await expect(invoke(untag)).rejects.toThrow(/could not be published/);

    // Assess: protection is back on the first attempt; both alerts are kept for the retry.
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(1);
    expect(table.claimOf(CASE_KEY)?.pendingNotification?.S).toBeDefined();
    // The report's claim is named after the CloudTrail record's eventID.
    expect(table.claimOf('event#9a1e2b3c-4d5e-4f60-8a71-b2c3d4e5f612')?.pendingNotification?.S).toMatch(
      /exemption-change/,
    );
  });

  it('never reports as its own restore a write GuardDuty refused, once someone else fixed the detector', async () => {
    // Prepare: the responder's UpdateDetector is denied (403); an operator then re-enables by hand.
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.guardDuty.on(UpdateDetectorCommand).rejects(awsFault('guardduty', 'access denied'));
    await expect(invoke(sweepEvent(REGION, 'denied-sweep'))).rejects.toThrow();

    // Act: the next sweep finds the detector compliant.
    await invoke(sweepEvent(REGION, 'after-the-operator'));

    // Assess: one page (the failure), no "restored by the responder", no history of a write that never happened.
    const outcomes = publishedInputs(aws).map((input) => structuredAlertOf(input));
    expect(outcomes).toHaveLength(2);
    expect(outcomes[1]?.action).toMatch(/could not confirm its re-enable/);
    expect(String(outcomes[1]?.action)).not.toMatch(/Restored by the responder/);
    expect(historyOf()).toHaveLength(0);
  });
});
