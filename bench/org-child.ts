/**
 * Section 7, one scenario per process, run by plain `node --expose-gc` from a bundle built like the Lambda's: the
 * organization sweep (`respondForOrganization`, the real adapters and SDK clients, the JSON logger at INFO into a
 * sink) over a simulated organization of N members, every AWS call answered by aws-sdk-client-mock after a fixed
 * latency (bench/fake-aws.ts + bench/fake-organization.ts). A warm-up sweep of a small organization with no latency
 * goes first (a warm Lambda instance). The scenario comes in BENCH_ORG_SCENARIO; the result goes to BENCH_ORG_OUT.
 */
import { writeFileSync } from 'node:fs';
import { cloudWatchAdapter } from '../handlers/adapters/cloudwatch.js';
import { guardDutyAdapter } from '../handlers/adapters/guardduty.js';
import { type OrganizationPort, organizationAdapter } from '../handlers/adapters/guardduty-organization.js';
import { type NotifierPort, snsAdapter } from '../handlers/adapters/sns.js';
import { dynamoDbStateStore } from '../handlers/adapters/state-store.js';
import { createClients } from '../handlers/clients.js';
import { loadConfig } from '../handlers/config.js';
import { parseEvent } from '../handlers/events.js';
import {
  type OrganizationDeps,
  type OrganizationReport,
  respondForOrganization,
} from '../handlers/organization/responder.js';
import sweepFixture from '../test/fixtures/ScheduledEvent.sweep.synthetic.json' with { type: 'json' };
import { FakeAws } from './fake-aws.js';
import { FakeOrganization } from './fake-organization.js';
import { FUNCTION_ENV, sinkLogger, useOfflineEnv } from './support.js';

const REGION = 'us-east-1';
const WARM_UP_MEMBERS = 100;

export interface OrgScenario {
  readonly name: string;
  readonly members: number;
  /** Every n-th member drifted; 0 for none. */
  readonly driftedEvery: number;
  readonly mode: 'remediate' | 'notify';
  readonly latencyMs: number;
}

/** One stretch of the run: from the first call of a kind starting to the last one ending, in ms from the start. */
export interface PhaseSpan {
  readonly phase: string;
  readonly calls: number;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface OrgChildResult {
  readonly scenario: OrgScenario;
  readonly report: OrganizationReport | undefined;
  readonly error: string | undefined;
  readonly driftedBefore: number;
  readonly driftedAfter: number;
  /** Every AWS call the fake answered during the measured sweep, by command, in order. */
  readonly commands: readonly string[];
  /** Wall time of the sweep, less the one GC forced to measure the live heap (gcPauseMs). */
  readonly wallMs: number;
  /** CPU time of the whole process (all threads: the responder, the fake, GC) during the sweep. */
  readonly cpuMs: number;
  readonly gcPauseMs: number;
  readonly phases: readonly PhaseSpan[];
  /** The digest as published: UTF-8 bytes of the SNS message (`MessageStructure: json`) and its subject. */
  readonly digest: { readonly bytes: number; readonly subject: string } | undefined;
  readonly memory: {
    readonly rssAfterImport: number;
    /** After the warm-up, the fake organization built, and a full GC. */
    readonly rssBeforeSweep: number;
    readonly heapBeforeSweep: number;
    /** heapUsed sampled every 10 ms during the sweep (no GC forced). */
    readonly heapPeak: number;
    readonly heapAfterSweep: number;
    /** heapUsed right after a forced GC once the last of the sweep's GetMemberDetectors answers is in. */
    readonly liveHeapAfterReads: number | undefined;
    /** process.resourceUsage().maxRSS: the whole process's peak, warm-up included. */
    readonly peakRss: number;
  };
}

const collectGarbage = () => {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc === 'function') gc();
};

function timed<A extends unknown[], R>(
  spans: { phase: string; start: number; end: number }[],
  phase: () => string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    const name = phase();
    const start = performance.now();
    try {
      return await fn(...args);
    } finally {
      spans.push({ phase: name, start, end: performance.now() });
    }
  };
}

async function main(scenario: OrgScenario): Promise<OrgChildResult> {
  useOfflineEnv(REGION);
  const rssAfterImport = process.memoryUsage().rss;
  const config = loadConfig({
    ...FUNCTION_ENV,
    AWS_REGION: REGION,
    RESPONDER_SCOPE: 'organization',
    RESPONDER_MODE: scenario.mode,
  });
  const clients = createClients();
  const spans: { phase: string; start: number; end: number }[] = [];
  const organization = organizationAdapter(clients.guardDuty);
  let updating = false;
  let measuring = false;
  let reads = 0;
  let gcPauseMs = 0;
  let liveHeapAfterReads: number | undefined;
  const pages = Math.ceil(scenario.members / 50);
  const timedRead = timed(
    spans,
    () => (updating ? 'GetMemberDetectors (read back)' : 'GetMemberDetectors'),
    organization.getMemberDetectors,
  );
  // Spread first: a method the port gains later still works here, untimed.
  const timedOrganization: OrganizationPort = {
    ...organization,
    describeConfiguration: timed(
      spans,
      () => 'DescribeOrganizationConfiguration',
      organization.describeConfiguration,
    ),
    updateConfiguration: timed(
      spans,
      () => 'UpdateOrganizationConfiguration',
      organization.updateConfiguration,
    ),
    listMembers: timed(spans, () => 'ListMembers', organization.listMembers),
    getMemberDetectors: async (adminDetectorId, accountIds) => {
      const result = await timedRead(adminDetectorId, accountIds);
      if (!updating && measuring && ++reads === pages) {
        // Every member's state is in and held: the live heap of the sweep, without the garbage heapUsed counts.
        const before = performance.now();
        collectGarbage();
        gcPauseMs += performance.now() - before;
        liveHeapAfterReads = process.memoryUsage().heapUsed;
      }
      return result;
    },
    updateMemberDetectors: timed(
      spans,
      () => {
        updating = true;
        return 'UpdateMemberDetectors';
      },
      organization.updateMemberDetectors,
    ),
  };
  const guardDuty = guardDutyAdapter(clients.guardDuty);
  const sns = snsAdapter(clients.sns, config.notificationTopicArn);
  let digest: OrgChildResult['digest'];
  const notifier: NotifierPort = {
    async publish(notification) {
      digest = { bytes: Buffer.byteLength(notification.message), subject: notification.subject };
      return sns.publish(notification);
    },
  };
  const deps: OrganizationDeps = {
    guardDuty: {
      ...guardDuty,
      listDetectorIds: timed(spans, () => 'ListDetectors', guardDuty.listDetectorIds),
    },
    organization: timedOrganization,
    notifier,
    metrics: cloudWatchAdapter(clients.cloudWatch, config.metricNamespace),
    store: dynamoDbStateStore(clients.dynamoDb, config.stateTableName),
    logger: sinkLogger(),
    now: () => new Date(),
  };
  const sweep = (id: string) => {
    const parsed = parseEvent({ ...sweepFixture, region: REGION, id });
    if (parsed.status !== 'ok') throw new Error('the sweep event did not parse');
    return respondForOrganization(parsed.input, deps, config, 60_000);
  };

  // Warm-up: the same code paths on a small organization, no latency, nothing recorded.
  const warmFake = new FakeAws(0);
  try {
    new FakeOrganization(warmFake, REGION, { ...scenario, members: WARM_UP_MEMBERS, autoEnable: 'ALL' });
    await sweep(`org-warm-${scenario.name}`).catch(() => undefined);
  } finally {
    warmFake.restore();
  }
  spans.length = 0;
  digest = undefined;
  updating = false;

  const fake = new FakeAws(scenario.latencyMs);
  try {
    const world = new FakeOrganization(fake, REGION, { ...scenario, autoEnable: 'ALL' });
    const driftedBefore = world.driftedCount();
    collectGarbage();
    const rssBeforeSweep = process.memoryUsage().rss;
    const heapBeforeSweep = process.memoryUsage().heapUsed;
    let heapPeak = heapBeforeSweep;
    const sample = () => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    };
    const sampler = setInterval(sample, 10);
    let report: OrganizationReport | undefined;
    let error: string | undefined;
    measuring = true;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    try {
      report = await sweep(`org-${scenario.name}`);
    } catch (caught) {
      error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = performance.now() - started - gcPauseMs;
    sample();
    clearInterval(sampler);
    const heapAfterSweep = process.memoryUsage().heapUsed;
    const phaseNames = [...new Set(spans.map((span) => span.phase))];
    const phases = phaseNames.map((phase) => {
      const own = spans.filter((span) => span.phase === phase);
      return {
        phase,
        calls: own.length,
        fromMs: Math.min(...own.map((span) => span.start)) - started,
        toMs: Math.max(...own.map((span) => span.end)) - started,
      };
    });
    return {
      scenario,
      report,
      error,
      driftedBefore,
      driftedAfter: world.driftedCount(),
      commands: fake.calls.map((call) => call.command),
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      gcPauseMs,
      phases,
      digest,
      memory: {
        rssAfterImport,
        rssBeforeSweep,
        heapBeforeSweep,
        heapPeak,
        heapAfterSweep,
        liveHeapAfterReads,
        peakRss: process.resourceUsage().maxRSS * 1024,
      },
    };
  } finally {
    fake.restore();
  }
}

const out = process.env.BENCH_ORG_OUT ?? '';
try {
  const scenario = JSON.parse(process.env.BENCH_ORG_SCENARIO ?? '') as OrgScenario;
  writeFileSync(out, JSON.stringify(await main(scenario)));
} catch (error) {
  writeFileSync(
    out,
    JSON.stringify({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
  process.exitCode = 1;
}
