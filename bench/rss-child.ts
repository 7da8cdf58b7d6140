/**
 * Section 6, run as its own process from a bundle built like the Lambda's (plain `node`, no tsx): the real handler
 * (middy, the JSON logger at INFO, parseEvent, respond, adapters, SDK clients) handles 1,000 events with AWS
 * answered in memory by aws-sdk-client-mock, then reports the process's peak resident set size.
 * Logs go to stdout/stderr as in Lambda; the parent discards them. The result is written to BENCH_RSS_OUT.
 */
import { writeFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import sweepFixture from '../test/fixtures/ScheduledEvent.sweep.synthetic.json' with { type: 'json' };
import deniedFixture from '../test/fixtures/UpdateDetector.denied-disable.synthetic.json' with {
  type: 'json',
};
import disableFixture from '../test/fixtures/UpdateDetector.disable-runtime-monitoring.synthetic.json' with {
  type: 'json',
};
import ownFixture from '../test/fixtures/UpdateDetector.responder-own-enable.synthetic.json' with {
  type: 'json',
};
import suspendFixture from '../test/fixtures/UpdateDetector.suspend-detector.synthetic.json' with {
  type: 'json',
};
import { FakeAws } from './fake-aws.js';
import { ACCOUNT_ID, FUNCTION_ENV, FUNCTION_NAME } from './support.js';

const REGION = 'us-east-1';
const EVENTS = Number(process.env.BENCH_RSS_EVENTS ?? '1000');
const OUT = process.env.BENCH_RSS_OUT ?? '';

type Json = Record<string, unknown>;

function eventFrom(fixture: object, detectorId: string, eventId: string): Json {
  const event = structuredClone(fixture) as Json;
  const detail = event.detail as Json;
  detail.eventID = eventId;
  detail.awsRegion = REGION;
  event.region = REGION;
  const request = detail.requestParameters;
  if (request && typeof request === 'object') (request as Json).detectorId = detectorId;
  return event;
}

const context: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${FUNCTION_NAME}`,
  memoryLimitInMB: '256',
  awsRequestId: 'bench',
  logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

async function main() {
  Object.assign(process.env, FUNCTION_ENV, { AWS_REGION: REGION });
  const fake = new FakeAws(0);
  const rssBeforeImport = process.memoryUsage().rss;
  const { handler } = await import('../handlers/drift-responder.js');
  const rssAfterImport = process.memoryUsage().rss;
  const compliant = fake.addDetector(REGION);
  const exempt = fake.addDetector(REGION, {
    drifted: true,
    tags: { 'drift-responder:exempt-until': '2099-01-01', 'drift-responder:exempt-reason': 'bench' },
  });
  const outcomes: Record<string, number> = {};
  let handled = 0;
  const started = performance.now();
  const handle = async (event: Json) => {
    if (handled >= EVENTS) return;
    handled += 1;
    const result = (await handler(event, context)) as { reports?: { outcome: string }[] };
    for (const report of result.reports ?? []) outcomes[report.outcome] = (outcomes[report.outcome] ?? 0) + 1;
  };
  for (let cycle = 0; handled < EVENTS; cycle += 1) {
    const fresh = fake.addDetector(REGION, { drifted: true });
    const drift = eventFrom(disableFixture, fresh, `rss-${cycle}-drift`);
    await handle(drift); // remediate
    await handle(drift); // duplicate delivery: compliant again
    await handle(eventFrom(disableFixture, compliant, `rss-${cycle}-compliant`));
    const exemptEvent = eventFrom(disableFixture, exempt, `rss-${cycle}-exempt`);
    await handle(exemptEvent); // exempt
    await handle(exemptEvent); // duplicate delivery: claim refused
    await handle(eventFrom(ownFixture, fresh, `rss-${cycle}-own`)); // own event
    await handle(eventFrom(deniedFixture, compliant, `rss-${cycle}-denied`));
    await handle({ ...sweepFixture, region: REGION, id: `rss-${cycle}-sweep` });
    const suspended = fake.addDetector(REGION, { suspended: true });
    await handle(eventFrom(suspendFixture, suspended, `rss-${cycle}-suspend`)); // remediate: resume
    await handle(eventFrom(disableFixture, compliant, `rss-${cycle}-compliant-2`));
    fake.removeDetector(fresh);
    fake.removeDetector(suspended);
    fake.forgetHistory();
  }
  const elapsedMs = performance.now() - started;
  fake.restore();
  return {
    events: handled,
    outcomes,
    elapsedMs,
    rssBeforeImport,
    rssAfterImport,
    rssEnd: process.memoryUsage().rss,
    heapUsedEnd: process.memoryUsage().heapUsed,
    peakRss: process.resourceUsage().maxRSS * 1024,
  };
}

try {
  writeFileSync(OUT, JSON.stringify(await main()));
} catch (error) {
  writeFileSync(
    OUT,
    JSON.stringify({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
  process.exitCode = 1;
}
