/**
 * Section 4, one process bundled like the Lambda (plain `node --expose-gc`): the CPU the warm responder spends per
 * event, against a minimal responder that makes the same calls. Both run against the loopback stub server (another
 * process, BENCH_STUB) with the same SDK clients (handlers/clients.ts). For every event: the stub's state is saved,
 * the responder (createResponder, the JSON logger at INFO into a sink) handles the event and its SDK calls are
 * recorded; the state is put back and the minimal responder sends those same commands with the same inputs, one
 * after another, and nothing else. The two CPU times form one pair; the difference is our own work: parsing and
 * validating the event, deciding, rendering the alert, logging.
 */
import { createClients } from '../handlers/clients.js';
import { createResponder } from '../handlers/composition.js';
import disableFixture from '../test/fixtures/UpdateDetector.disable-runtime-monitoring.synthetic.json' with {
  type: 'json',
};
import { lambdaContext, retarget } from '../test/support/fixtures.js';
import { StubClient } from '../test/support/stub-client.js';
import { AwsCallRecorder } from './aws-recorder.js';
import { replay } from './replay.js';
import { childMain, FUNCTION_ENV, sinkLogger } from './support.js';

/** Ten days ahead: within the MAX_EXEMPTION_DAYS default (30), so the exemption is honoured. */
const EXEMPT_UNTIL = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
const REGION = 'us-east-1';
const CYCLES = Number(process.env.BENCH_WARM_CYCLES ?? '40');
const WARM_UP_CYCLES = 3;
const EXEMPT_TAGS = {
  'drift-responder:exempt-until': EXEMPT_UNTIL,
  'drift-responder:exempt-reason': 'CHG-1234 benchmark exemption',
};

export interface WarmPair {
  readonly outcome: string;
  readonly calls: number;
  readonly oursCpuMs: number;
  readonly minimalCpuMs: number;
  readonly oursWallMs: number;
  readonly minimalWallMs: number;
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const collectGarbage = () => {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc === 'function') gc();
};

async function main(): Promise<{ pairs: WarmPair[]; unexpected: string[] }> {
  const stub = new StubClient(process.env.BENCH_STUB ?? '');
  const clients = createClients();
  const recorder = new AwsCallRecorder();
  for (const client of Object.values(clients)) recorder.instrument(client.middlewareStack);
  const env = { ...FUNCTION_ENV, AWS_REGION: REGION };
  const responders = {
    remediate: createResponder({
      env: { ...env, RESPONDER_MODE: 'remediate' },
      clients,
      logger: sinkLogger(),
    }),
    notify: createResponder({ env: { ...env, RESPONDER_MODE: 'notify' }, clients, logger: sinkLogger() }),
  };
  const { detectorIds } = await stub.reset({ detectors: [{ region: REGION }] });
  const [compliant = ''] = detectorIds;
  const pairs: WarmPair[] = [];
  const unexpected: string[] = [];
  let counter = 0;

  const measure = async (
    detectorId: string,
    mode: 'remediate' | 'notify',
    expected: string,
    timed: boolean,
    eventId = `warm-${++counter}`,
  ) => {
    const event = retarget(disableFixture, { detectorId, region: REGION, eventId });
    await stub.snapshot();
    recorder.take();
    let started = performance.now();
    let cpu = process.cpuUsage();
    const result = await responders[mode].handle(event, lambdaContext(REGION));
    const oursCpuMs = cpuMs(process.cpuUsage(cpu));
    const oursWallMs = performance.now() - started;
    const calls = recorder.take();
    const reported =
      'reports' in result ? result.reports.map((report) => report.outcome).join(',') : 'ignored';
    if (reported !== (expected === 'duplicate' ? 'ignored' : expected))
      unexpected.push(`${expected}: ${reported}`);
    const outcome = reported === 'ignored' ? 'duplicate' : reported;
    await stub.restore();
    started = performance.now();
    cpu = process.cpuUsage();
    for (const call of calls) await replay(clients, call).catch(() => undefined);
    const minimalCpuMs = cpuMs(process.cpuUsage(cpu));
    const minimalWallMs = performance.now() - started;
    recorder.take();
    if (timed)
      pairs.push({
        outcome,
        calls: calls.length,
        oursCpuMs,
        minimalCpuMs,
        oursWallMs,
        minimalWallMs,
      });
    return eventId;
  };

  for (let cycle = 0; cycle < CYCLES + WARM_UP_CYCLES; cycle += 1) {
    const timed = cycle >= WARM_UP_CYCLES;
    // One full GC a cycle, outside every measurement: the garbage of one cycle does not fall on the next.
    collectGarbage();
    // A new detector for each drift a cycle pages: a standing drift (notify, exempt) is one case that pages once a
    // day, so the same detector in the next cycle would be a duplicate, not the outcome measured.
    const fresh = await stub.addDetector({ region: REGION, drifted: true });
    const standing = await stub.addDetector({ region: REGION, drifted: true });
    const exempt = await stub.addDetector({ region: REGION, drifted: true, tags: EXEMPT_TAGS });
    await measure(fresh, 'remediate', 'remediate', timed);
    await measure(compliant, 'remediate', 'compliant', timed);
    const notifyId = await measure(standing, 'notify', 'would-remediate', timed);
    await measure(standing, 'notify', 'duplicate', timed, notifyId);
    await measure(exempt, 'remediate', 'exempt', timed);
    for (const id of [fresh, standing, exempt]) await stub.removeDetector(id);
  }
  return { pairs, unexpected };
}

await childMain(main);
