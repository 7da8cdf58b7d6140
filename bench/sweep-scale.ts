import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { SNSClient } from '@aws-sdk/client-sns';
import { cloudWatchAdapter } from '../handlers/adapters/cloudwatch.js';
import { guardDutyAdapter } from '../handlers/adapters/guardduty.js';
import { snsAdapter } from '../handlers/adapters/sns.js';
import { dynamoDbStateStore } from '../handlers/adapters/state-store.js';
import { createClients } from '../handlers/clients.js';
import { loadConfig } from '../handlers/config.js';
import { RESPONDER_USER_AGENT } from '../handlers/core/decide.js';
import { parseEvent } from '../handlers/events.js';
import { type ResponderDeps, respond } from '../handlers/responder.js';
import { sweepEvent } from '../test/support/fixtures.js';
import { FakeAws, type FakeCall } from './fake-aws.js';
import {
  ACCOUNT_ID,
  FUNCTION_ENV,
  FUNCTION_NAME,
  ROLE_ARN,
  round,
  sinkLogger,
  useOfflineEnv,
} from './support.js';

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

const SWEEP_CONCURRENCY = 4; // the responder's bounded concurrency within one sweep

export interface SweepRow {
  readonly dimension: 'regions' | 'detectors';
  readonly size: number;
  readonly drifted: number;
  readonly calls: number;
  readonly concurrency: number;
  readonly wallMs: number;
  /** CPU time of this process during the run: the responders' own work, which shares one thread here. */
  readonly cpuMs: number;
  readonly idealMs: number;
  /** wallMs / idealMs. */
  readonly ratio: number;
}

/** One responder per Region (one stack per Region in the design), its clients pinned to that Region. */
function depsFor(region: string, regional: boolean): ResponderDeps {
  const common = { customUserAgent: [[RESPONDER_USER_AGENT, 'bench']] as [string, string][] };
  const clients = regional
    ? {
        guardDuty: new GuardDutyClient({ ...common, region }),
        sns: new SNSClient({ ...common, region }),
        cloudWatch: new CloudWatchClient({ ...common, region }),
        dynamoDb: new DynamoDBClient({ ...common, region }),
      }
    : createClients();
  const config = loadConfig({ ...FUNCTION_ENV, AWS_REGION: region });
  return {
    guardDuty: guardDutyAdapter(clients.guardDuty),
    notifier: snsAdapter(clients.sns, config.notificationTopicArn),
    metrics: cloudWatchAdapter(clients.cloudWatch, config.metricNamespace),
    store: dynamoDbStateStore(clients.dynamoDb, config.stateTableName),
    logger: sinkLogger(),
    now: () => new Date(),
  };
}

async function sweepOnce(region: string, deps: ResponderDeps, runId: string): Promise<void> {
  const parsed = parseEvent(sweepEvent(region, runId));
  if (parsed.status !== 'ok') throw new Error('sweep event did not parse');
  const config = loadConfig({ ...FUNCTION_ENV, AWS_REGION: region });
  await respond(parsed.input, deps, config, {
    self: { region, accountId: ACCOUNT_ID, functionName: FUNCTION_NAME, roleArn: ROLE_ARN },
    leaseMs: 60_000,
  });
}

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Every call the fake answered in the measured run, with the detector its request names. */
  readonly calls: readonly FakeCall[];
  /** The detectors the run was given, in the order ListDetectors returns them. */
  readonly detectorIds: readonly string[];
}

/** Builds the fake world, runs `work` against it and times it; a warm-up run with no latency goes first. */
async function measure(
  populate: (fake: FakeAws) => string[],
  work: (runId: string) => Promise<unknown>,
  latencyMs: number,
  label: string,
): Promise<Run> {
  const runOnce = async (fake: FakeAws, runId: string): Promise<Run> => {
    try {
      const detectorIds = populate(fake);
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      await work(runId);
      const cpu = process.cpuUsage(cpuBefore);
      const wallMs = performance.now() - started;
      return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, calls: [...fake.calls], detectorIds };
    } finally {
      fake.restore();
    }
  };
  // The functions are warm (clients and code paths used once), as on a warm Lambda instance.
  await runOnce(new FakeAws(0), `warm-${label}`);
  return runOnce(new FakeAws(latencyMs), label);
}

const isDrifted = (index: number) => index % 3 === 0;

/**
 * R Regions: R sweeps at once, one per Region with its one detector (an account has one detector per Region), every
 * third Region drifted. The invocations are independent and each one's calls wait for each other, so the ideal is
 * the longest one: its calls x latency. In AWS these are R separate functions; here they share one Node thread, so
 * the wall time also holds the CPU time of all R (reported next to it): a pessimistic simulation.
 */
async function regionsRow(size: number, latencyMs: number): Promise<SweepRow> {
  const regions = REGIONS.slice(0, size);
  const deps = regions.map((region) => depsFor(region, true));
  const run = await measure(
    (fake) => regions.map((region, index) => fake.addDetector(region, { drifted: isDrifted(index) })),
    (runId) =>
      Promise.all(
        regions.map((region, index) => sweepOnce(region, deps[index] ?? depsFor(region, true), runId)),
      ),
    latencyMs,
    `r${size}`,
  );
  const perRegion = regions.map((region) => run.calls.filter((call) => call.region === region).length);
  const drifted = regions.filter((_, index) => isDrifted(index)).length;
  return row('regions', size, drifted, size, run, Math.max(...perRegion) * latencyMs);
}

/**
 * Steps (latencies) that C workers need for these call chains taken in this order, each worker taking the next
 * detector as soon as it is free. Which detectors are drifted is known only after reading them, so no scheduler does
 * better without reading ahead; it equals max(longest chain, calls / C) whenever the work divides evenly.
 */
export function listSchedule(chains: readonly number[], workers: number): number {
  const busyUntil = Array<number>(workers).fill(0);
  for (const chain of chains) {
    const earliest = Math.min(...busyUntil);
    busyUntil[busyUntil.indexOf(earliest)] = earliest + chain;
  }
  return Math.max(...busyUntil);
}

/**
 * N detectors in one Region, one sweep, every third detector drifted (one invocation's work, on one thread in AWS
 * too, so no CPU is taken out). Ideal with the responder's bounded concurrency C = 4: the Region-wide calls
 * (ListDetectors, PutMetricData) one after the other, plus the list schedule of each detector's chain of calls on
 * C workers. The chains are the calls the fake saw for each detector, so the ratio measures scheduling only (section 3
 * judges the number of calls).
 */
async function detectorsRow(size: number, latencyMs: number, region: string): Promise<SweepRow> {
  const deps = depsFor(region, false);
  const run = await measure(
    (fake) =>
      Array.from({ length: size }, (_, index) => fake.addDetector(region, { drifted: isDrifted(index) })),
    (runId) => sweepOnce(region, deps, runId),
    latencyMs,
    `d${size}`,
  );
  const chains = run.detectorIds.map((id) => run.calls.filter((call) => call.detectorId === id).length);
  const regionWide = run.calls.filter((call) => call.detectorId === undefined).length;
  const drifted = run.detectorIds.filter((_, index) => isDrifted(index)).length;
  const idealMs = (regionWide + listSchedule(chains, SWEEP_CONCURRENCY)) * latencyMs;
  return row('detectors', size, drifted, SWEEP_CONCURRENCY, run, idealMs);
}

function row(
  dimension: SweepRow['dimension'],
  size: number,
  drifted: number,
  concurrency: number,
  run: Run,
  idealMs: number,
): SweepRow {
  return {
    dimension,
    size,
    drifted,
    calls: run.calls.length,
    concurrency,
    wallMs: round(run.wallMs, 1),
    cpuMs: round(run.cpuMs, 1),
    idealMs: round(idealMs, 1),
    ratio: round(run.wallMs / idealMs),
  };
}

export async function sweepScale(sizes: readonly number[], latencyMs: number): Promise<SweepRow[]> {
  const home = 'us-east-1';
  useOfflineEnv(home);
  const rows: SweepRow[] = [];
  for (const size of sizes) rows.push(await regionsRow(size, latencyMs));
  for (const size of sizes) rows.push(await detectorsRow(size, latencyMs, home));
  return rows;
}
