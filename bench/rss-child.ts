/**
 * Section 6, run as its own process from a bundle built like the Lambda's (plain `node`, no tsx): the real entry
 * point (handlers/drift-responder.ts: createResponder, the JSON logger at INFO, the SDK clients) handles 1,000
 * events through the real SDK against the loopback stub server (another process, BENCH_STUB, no latency), then
 * reports the process's peak resident set size. Logs go to stdout as in Lambda; the parent discards them.
 */
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
import { lambdaContext, retarget } from '../test/support/fixtures.js';
import { StubClient } from '../test/support/stub-client.js';
import { ACCOUNT_ID, childMain } from './support.js';

/** Ten days ahead: within the MAX_EXEMPTION_DAYS default (30), so the exemption is honoured. */
const EXEMPT_UNTIL = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
const REGION = 'us-east-1';
const EVENTS = Number(process.env.BENCH_RSS_EVENTS ?? '1000');

type Json = Record<string, unknown>;

const eventFrom = (fixture: Json, detectorId: string, eventId: string): Json =>
  retarget(fixture, { detectorId, region: REGION, eventId });
const context = lambdaContext(REGION, ACCOUNT_ID);

async function main() {
  const stub = new StubClient(process.env.BENCH_STUB ?? '');
  const rssBeforeImport = process.memoryUsage().rss;
  const { handler } = await import('../handlers/drift-responder.js');
  const rssAfterImport = process.memoryUsage().rss;
  const {
    detectorIds: [compliant = '', exempt = ''],
  } = await stub.reset({
    detectors: [
      { region: REGION },
      {
        region: REGION,
        drifted: true,
        tags: { 'drift-responder:exempt-until': EXEMPT_UNTIL, 'drift-responder:exempt-reason': 'bench' },
      },
    ],
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
    const fresh = await stub.addDetector({ region: REGION, drifted: true });
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
    const suspended = await stub.addDetector({ region: REGION, suspended: true });
    await handle(eventFrom(suspendFixture, suspended, `rss-${cycle}-suspend`)); // remediate: resume
    await handle(eventFrom(disableFixture, compliant, `rss-${cycle}-compliant-2`));
    await stub.removeDetector(fresh);
    await stub.removeDetector(suspended);
    await stub.takeCalls();
  }
  const elapsedMs = performance.now() - started;
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

await childMain(main);
