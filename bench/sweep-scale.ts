/**
 * Section 5: sweeps through the real SDK against the loopback stub server (its own process), every call answered
 * after a fixed latency. R Regions, R responders at once (one stack per Region in the design), each built with
 * createResponder on clients pinned to its Region; and N detectors in one Region, one sweep.
 */
import type { createClients } from '../handlers/clients.js';
import { createResponder } from '../handlers/composition.js';
import { lambdaContext, sweepEvent } from '../test/support/fixtures.js';
import type { StubCall } from '../test/support/stub-server.js';
import { clientsFor, FUNCTION_ENV, round, sinkLogger, startStub, useOfflineEnv } from './support.js';

/** The commercial Regions a real account has, in a fixed order (the first 1, 10 or 30 are used). */
export const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'ca-west-1',
  'mx-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-south-1',
  'me-central-1',
  'af-south-1',
  'ap-south-1',
  'ap-south-2',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
] as const;

/** The responder's bounded concurrency within one sweep (handlers/flow/account). */
const SWEEP_CONCURRENCY = 4;

export interface SweepRow {
  readonly dimension: 'regions' | 'detectors';
  readonly size: number;
  readonly drifted: number;
  /** SDK calls the stub answered (throttled attempts included: there are none without a rate limit). */
  readonly calls: number;
  readonly wallMs: number;
  /** CPU time of this process during the run: the responders' own work and the SDK's (the stub runs elsewhere). */
  readonly cpuMs: number;
  readonly floorMs: number;
  readonly floorFormula: string;
  /** wallMs / floorMs. */
  readonly ratio: number;
  /** Detectors dimension: the list schedule of the observed call chains on the responder's C = 4 workers. */
  readonly scheduledMs: number | undefined;
}

/**
 * Round trips of the minimal correct sweep of one Region's detector, one after another at the stub's latency:
 * ListDetectors, then a compliant detector's read (its owed-alert read alongside), then PutMetricData: 3. A drifted
 * one: ListDetectors, then the read and the claim together, then the breaker count... as section 3's floors: 2 before
 * the re-enabling write, the write, the page (the read-back alongside), the settle (the metrics alongside): 1 + 5.
 */
export const SWEEP_FLOOR_ROUND_TRIPS = { compliant: 3, drifted: 6 } as const;

const isDrifted = (index: number) => index % 3 === 0;

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly calls: readonly StubCall[];
}

type Stub = Awaited<ReturnType<typeof startStub>>;

async function timedRun(
  stub: Stub,
  latencyMs: number,
  populate: () => Promise<unknown>,
  work: (runId: string) => Promise<unknown>,
  label: string,
) {
  // Warm: the functions have used their clients and code paths once, as on a warm Lambda instance.
  await stub.client.settings({ latencyMs: 0 });
  await populate();
  await work(`warm-${label}`);
  await stub.client.settings({ latencyMs });
  await populate();
  await stub.client.takeCalls();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await work(label);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - started;
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    calls: await stub.client.takeCalls(),
  } satisfies Run;
}

const responderFor = (region: string, clients: ReturnType<typeof createClients>) =>
  createResponder({ env: { ...FUNCTION_ENV, AWS_REGION: region }, clients, logger: sinkLogger() });

/**
 * R Regions at once, one detector each (an account has one per Region), every third drifted. The floor is the
 * longest Region's minimal sequence. In AWS these are R functions; here they share one Node thread, so the wall
 * time also holds the CPU of all R (printed beside it): a pessimistic simulation.
 */
async function regionsRow(stub: Stub, size: number, latencyMs: number): Promise<SweepRow> {
  const regions = REGIONS.slice(0, size);
  // One after another: clientsFor pins a Region through the environment while it builds.
  const responders: ReturnType<typeof responderFor>[] = [];
  for (const region of regions) responders.push(responderFor(region, await clientsFor(region)));
  const populate = () =>
    stub.client.reset({ detectors: regions.map((region, index) => ({ region, drifted: isDrifted(index) })) });
  const sweepAll = async (runId: string) => {
    await Promise.all(
      responders.map((responder, index) =>
        responder.handle(
          sweepEvent(regions[index] ?? '', `${runId}-${index}`),
          lambdaContext(regions[index] ?? ''),
        ),
      ),
    );
  };
  const run = await timedRun(stub, latencyMs, populate, sweepAll, `r${size}`);
  const drifted = regions.filter((_, index) => isDrifted(index)).length;
  const trips = drifted > 0 ? SWEEP_FLOOR_ROUND_TRIPS.drifted : SWEEP_FLOOR_ROUND_TRIPS.compliant;
  return row(
    'regions',
    size,
    drifted,
    run,
    trips * latencyMs,
    `${trips} round trips x ${latencyMs} ms`,
    undefined,
  );
}

/**
 * N detectors in one Region, one sweep, every third drifted. The floor with unbounded concurrency is one
 * detector's minimal sequence; the responder deliberately reads SWEEP_CONCURRENCY = 4 at a time, so the list schedule
 * of its observed per-detector chains on 4 workers is printed beside it (no budget: AWS allows one detector per Region).
 */
async function detectorsRow(stub: Stub, size: number, latencyMs: number, region: string): Promise<SweepRow> {
  const responder = responderFor(region, await clientsFor(region));
  const populate = () =>
    stub.client.reset({
      detectors: Array.from({ length: size }, (_, index) => ({ region, drifted: isDrifted(index) })),
    });
  const sweepOne = async (runId: string) => {
    await responder.handle(sweepEvent(region, runId), lambdaContext(region));
  };
  const run = await timedRun(stub, latencyMs, populate, sweepOne, `d${size}`);
  const drifted = Array.from({ length: size }, (_, index) => index).filter(isDrifted).length;
  const perDetector = (drifted > 0 ? SWEEP_FLOOR_ROUND_TRIPS.drifted : SWEEP_FLOOR_ROUND_TRIPS.compliant) - 2;
  const chains = Array.from({ length: size }, (_, index) =>
    isDrifted(index) ? SWEEP_FLOOR_ROUND_TRIPS.drifted - 2 : SWEEP_FLOOR_ROUND_TRIPS.compliant - 2,
  );
  const trips = 2 + perDetector;
  const scheduledMs = (2 + listSchedule(chains, SWEEP_CONCURRENCY)) * latencyMs;
  return row(
    'detectors',
    size,
    drifted,
    run,
    trips * latencyMs,
    `${trips} round trips x ${latencyMs} ms`,
    scheduledMs,
  );
}

/**
 * Steps (latencies) that C workers need for these call chains taken in this order, each worker taking the next
 * detector as soon as it is free.
 */
export function listSchedule(chains: readonly number[], workers: number): number {
  const busyUntil = Array<number>(workers).fill(0);
  for (const chain of chains) {
    const earliest = Math.min(...busyUntil);
    busyUntil[busyUntil.indexOf(earliest)] = earliest + chain;
  }
  return Math.max(...busyUntil);
}

function row(
  dimension: SweepRow['dimension'],
  size: number,
  drifted: number,
  run: Run,
  floorMs: number,
  floorFormula: string,
  scheduledMs: number | undefined,
): SweepRow {
  return {
    dimension,
    size,
    drifted,
    calls: run.calls.length,
    wallMs: round(run.wallMs, 1),
    cpuMs: round(run.cpuMs, 1),
    floorMs,
    floorFormula,
    ratio: round(run.wallMs / floorMs),
    scheduledMs,
  };
}

export async function sweepScale(sizes: readonly number[], latencyMs: number): Promise<SweepRow[]> {
  const stub = await startStub();
  try {
    useOfflineEnv('us-east-1', stub.endpoint);
    const rows: SweepRow[] = [];
    for (const size of sizes) rows.push(await regionsRow(stub, size, latencyMs));
    for (const size of sizes) rows.push(await detectorsRow(stub, size, latencyMs, 'us-east-1'));
    return rows;
  } finally {
    await stub.stop();
  }
}
