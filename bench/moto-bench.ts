import { UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { cloudWatchAdapter } from '../handlers/adapters/cloudwatch.js';
import { guardDutyAdapter } from '../handlers/adapters/guardduty.js';
import { snsAdapter } from '../handlers/adapters/sns.js';
import { dynamoDbStateStore } from '../handlers/adapters/state-store.js';
import { createClients } from '../handlers/clients.js';
import { loadConfig } from '../handlers/config.js';
import type { ResponderConfig, ResponderMode } from '../handlers/core/types.js';
import { parseEvent } from '../handlers/events.js';
import { type InvocationResult, type ResponderDeps, respond } from '../handlers/responder.js';
import { type Json, retarget, sweepEvent, syntheticFixture } from '../test/support/fixtures.js';
import {
  createDetector,
  createStateTable,
  type MotoClients,
  motoClients,
  PROTECTED_RUNTIME,
} from '../test/support/moto-aws.js';
import { type AwsCall, AwsCallRecorder, awsBusyMs, tally } from './aws-recorder.js';
import {
  ACCOUNT_ID,
  FUNCTION_ENV,
  FUNCTION_NAME,
  median,
  percentile,
  ROLE_ARN,
  round,
  sinkLogger,
  TABLE_NAME,
  TOPIC_NAME,
  useOfflineEnv,
} from './support.js';

/** moto keeps state per Region; the bench has its own server, so any Region will do. */
export const MOTO_REGION = 'eu-north-1';

const FIXTURE = {
  disableRuntime: 'UpdateDetector.disable-runtime-monitoring.synthetic.json',
  enableRuntime: 'UpdateDetector.enable-runtime-monitoring.synthetic.json',
  ownEnable: 'UpdateDetector.responder-own-enable.synthetic.json',
  denied: 'UpdateDetector.denied-disable.synthetic.json',
} as const;

const EXEMPT_TAGS = {
  'drift-responder:exempt-until': '2099-01-01',
  'drift-responder:exempt-reason': 'CHG-1234 benchmark exemption',
};

export interface Invocation {
  readonly result: InvocationResult;
  readonly outcomes: string;
  readonly calls: readonly AwsCall[];
  /** parseEvent + respond, as the handler runs them (middy and the Lambda runtime are not included). */
  readonly totalMs: number;
  readonly awsMs: number;
}

/** One Region of moto_server with the state table and topic, and the responder's deps built on instrumented clients. */
class MotoWorld {
  private readonly setupClients: MotoClients;
  private readonly recorder = new AwsCallRecorder();
  private readonly clients = createClients();
  private readonly logger = sinkLogger();
  private eventCounter = 0;
  private configs: Record<ResponderMode, ResponderConfig> | undefined;
  private deps: ResponderDeps | undefined;

  constructor(private readonly endpoint: string) {
    this.setupClients = motoClients(endpoint, MOTO_REGION);
    this.recorder.instrument(this.clients.guardDuty.middlewareStack);
    this.recorder.instrument(this.clients.sns.middlewareStack);
    this.recorder.instrument(this.clients.cloudWatch.middlewareStack);
    this.recorder.instrument(this.clients.dynamoDb.middlewareStack);
  }

  /** Wipes moto and creates the table and topic again: a Region with no detector in it. */
  async reset(): Promise<void> {
    const response = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
    if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    await createStateTable(this.setupClients, TABLE_NAME);
    const { TopicArn } = await this.setupClients.sns.send(new CreateTopicCommand({ Name: TOPIC_NAME }));
    if (!TopicArn) throw new Error('moto did not create the topic');
    const configFor = (mode: ResponderMode) =>
      loadConfig({ ...FUNCTION_ENV, NOTIFICATION_TOPIC_ARN: TopicArn, RESPONDER_MODE: mode });
    const remediate = configFor('remediate');
    this.configs = { remediate, notify: configFor('notify') };
    this.deps = {
      guardDuty: guardDutyAdapter(this.clients.guardDuty),
      notifier: snsAdapter(this.clients.sns, remediate.notificationTopicArn),
      metrics: cloudWatchAdapter(this.clients.cloudWatch, remediate.metricNamespace),
      store: dynamoDbStateStore(this.clients.dynamoDb, remediate.stateTableName),
      logger: this.logger,
      now: () => new Date(),
    };
    this.recorder.take();
  }

  compliantDetector(tags?: Record<string, string>): Promise<string> {
    return createDetector(this.setupClients, PROTECTED_RUNTIME, tags);
  }

  /** A detector whose runtime monitoring an operator has just switched off. */
  async driftedDetector(tags?: Record<string, string>): Promise<string> {
    const id = await this.compliantDetector(tags);
    await this.switchOff(id);
    return id;
  }

  async switchOff(detectorId: string): Promise<void> {
    await this.setupClients.guardDuty.send(
      new UpdateDetectorCommand({
        DetectorId: detectorId,
        Features: [
          {
            Name: 'RUNTIME_MONITORING',
            Status: 'DISABLED',
            AdditionalConfiguration: [{ Name: 'EKS_ADDON_MANAGEMENT', Status: 'DISABLED' }],
          },
        ],
      }),
    );
  }

  apiEvent(fixture: string, detectorId: string): Json {
    this.eventCounter += 1;
    return retarget(syntheticFixture(fixture), {
      detectorId,
      region: MOTO_REGION,
      eventId: `bench-event-${this.eventCounter}`,
    });
  }

  sweep(): Json {
    this.eventCounter += 1;
    return sweepEvent(MOTO_REGION, `bench-sweep-${this.eventCounter}`);
  }

  async invoke(event: Json, mode: ResponderMode): Promise<Invocation> {
    const { configs, deps } = this;
    if (!configs || !deps) throw new Error('reset() the world first');
    this.recorder.take();
    const started = performance.now();
    const parsed = parseEvent(event);
    if (parsed.status !== 'ok') throw new Error(`bench event did not parse: ${JSON.stringify(parsed)}`);
    const result = await respond(parsed.input, deps, configs[mode], {
      self: { region: MOTO_REGION, accountId: ACCOUNT_ID, functionName: FUNCTION_NAME, roleArn: ROLE_ARN },
      leaseMs: 60_000,
    });
    const totalMs = performance.now() - started;
    const calls = this.recorder.take();
    return {
      result,
      outcomes: result.reports.map((report) => report.outcome).join(','),
      calls,
      totalMs,
      awsMs: awsBusyMs(calls),
    };
  }
}

export interface CallsRow {
  readonly scenario: string;
  readonly outcome: string;
  readonly expectedOutcome: string;
  readonly calls: readonly string[];
  readonly floor: readonly string[];
  readonly extra: Record<string, number>;
  readonly missing: Record<string, number>;
  readonly floorWhy: string;
}

const REMEDIATION = ['Query', 'UpdateItem', 'UpdateDetector', 'GetDetector', 'Publish', 'BatchWriteItem'];
const SWEEP_DETECTORS = 5;

interface CallScenario {
  readonly name: string;
  readonly expectedOutcome: string;
  readonly floor: readonly string[];
  readonly floorWhy: string;
  run(world: MotoWorld): Promise<Invocation>;
}

/**
 * Each scenario sets its detector up (not counted), then handles one event; the floor is what the design needs for
 * that outcome, written down independently of the code so any extra call shows.
 */
const CALL_SCENARIOS: readonly CallScenario[] = [
  {
    name: 'compliant (an UpdateDetector that takes nothing away)',
    expectedOutcome: 'compliant',
    floor: ['GetDetector', 'PutMetricData'],
    floorWhy: 'read the real state; compliance metric on every evaluation',
    run: async (w) => w.invoke(w.apiEvent(FIXTURE.enableRuntime, await w.compliantDetector()), 'remediate'),
  },
  {
    name: 'compliant (a disable event, detector already on again)',
    expectedOutcome: 'compliant',
    floor: ['GetDetector', 'Query', 'PutMetricData'],
    floorWhy:
      'read; this may be the retry of a remediation whose Publish failed, so one consistent read of its claim; metrics',
    run: async (w) => w.invoke(w.apiEvent(FIXTURE.disableRuntime, await w.compliantDetector()), 'remediate'),
  },
  {
    name: 'remediate',
    expectedOutcome: 'remediate',
    floor: ['GetDetector', ...REMEDIATION, 'PutMetricData'],
    floorWhy: 'read, breaker count, claim, fix, read back, alert, settle+history, metrics',
    run: async (w) => w.invoke(w.apiEvent(FIXTURE.disableRuntime, await w.driftedDetector()), 'remediate'),
  },
  {
    name: 'would-remediate (notify mode)',
    expectedOutcome: 'would-remediate',
    floor: ['GetDetector', 'UpdateItem', 'Publish', 'BatchWriteItem', 'PutMetricData'],
    floorWhy: 'read, claim, alert, settle + mark the standing drift for the sweep (one request), metrics',
    run: async (w) => w.invoke(w.apiEvent(FIXTURE.disableRuntime, await w.driftedDetector()), 'notify'),
  },
  {
    name: 'exempt',
    expectedOutcome: 'exempt',
    floor: ['GetDetector', 'UpdateItem', 'Publish', 'BatchWriteItem', 'PutMetricData'],
    floorWhy: 'read (tags come with GetDetector), claim, alert, settle + mark the standing drift, metrics',
    run: async (w) =>
      w.invoke(w.apiEvent(FIXTURE.disableRuntime, await w.driftedDetector(EXEMPT_TAGS)), 'remediate'),
  },
  {
    name: 'circuit-open (4th drift in an hour)',
    expectedOutcome: 'circuit-open',
    floor: ['GetDetector', 'Query', 'UpdateItem', 'Publish', 'BatchWriteItem', 'PutMetricData'],
    floorWhy: 'read, breaker count, claim, alert, settle + mark the standing drift, metrics',
    run: async (w) => {
      const id = await w.compliantDetector();
      for (let i = 0; i < 3; i += 1) {
        await w.switchOff(id);
        await w.invoke(w.apiEvent(FIXTURE.disableRuntime, id), 'remediate');
      }
      await w.switchOff(id);
      return w.invoke(w.apiEvent(FIXTURE.disableRuntime, id), 'remediate');
    },
  },
  {
    name: "own event (responder's re-enable)",
    expectedOutcome: 'ignored',
    floor: [],
    floorWhy: 'recognised from the event alone (role session + user agent + only adds protection)',
    run: async (w) => w.invoke(w.apiEvent(FIXTURE.ownEnable, await w.compliantDetector()), 'remediate'),
  },
  {
    name: 'disable-denied',
    expectedOutcome: 'disable-denied',
    floor: ['UpdateItem', 'Publish', 'PutItem', 'PutMetricData'],
    floorWhy: 'nothing changed, so no read: claim, alert, settle, metrics',
    run: async (w) => w.invoke(w.apiEvent(FIXTURE.denied, await w.compliantDetector()), 'remediate'),
  },
  {
    name: 'duplicate delivery, drift still standing (notify)',
    expectedOutcome: 'ignored',
    floor: ['GetDetector', 'UpdateItem', 'PutMetricData'],
    floorWhy: 'read, claim refused (no second page), compliance metric',
    run: async (w) => {
      const event = w.apiEvent(FIXTURE.disableRuntime, await w.driftedDetector());
      await w.invoke(event, 'notify');
      return w.invoke(event, 'notify');
    },
  },
  {
    name: 'duplicate delivery after remediation',
    expectedOutcome: 'compliant',
    floor: ['GetDetector', 'Query', 'PutMetricData'],
    floorWhy: 'compliant again: one consistent read shows no alert is owed, nothing to claim',
    run: async (w) => {
      const event = w.apiEvent(FIXTURE.disableRuntime, await w.driftedDetector());
      await w.invoke(event, 'remediate');
      return w.invoke(event, 'remediate');
    },
  },
  {
    name: `sweep of ${SWEEP_DETECTORS} detectors, all compliant`,
    expectedOutcome: Array(SWEEP_DETECTORS).fill('compliant').join(','),
    floor: [
      'ListDetectors',
      ...Array<string>(SWEEP_DETECTORS).fill('GetDetector'),
      ...Array<string>(SWEEP_DETECTORS).fill('Query'),
      'PutMetricData',
    ],
    floorWhy:
      'list, one read per detector, one owed-alert read per compliant detector (AWS allows one detector per Region), one metrics call',
    run: async (w) => {
      await w.reset();
      for (let i = 0; i < SWEEP_DETECTORS; i += 1) await w.compliantDetector();
      return w.invoke(w.sweep(), 'remediate');
    },
  },
  {
    name: `sweep of ${SWEEP_DETECTORS} detectors, 1 drifted`,
    expectedOutcome: ['remediate', ...Array<string>(SWEEP_DETECTORS - 1).fill('compliant')].join(','),
    floor: [
      'ListDetectors',
      ...Array<string>(SWEEP_DETECTORS).fill('GetDetector'),
      ...Array<string>(SWEEP_DETECTORS - 1).fill('Query'),
      ...REMEDIATION,
      'PutMetricData',
    ],
    floorWhy: 'as above, plus the remediation of the drifted one',
    run: async (w) => {
      await w.reset();
      await w.driftedDetector();
      for (let i = 1; i < SWEEP_DETECTORS; i += 1) await w.compliantDetector();
      return w.invoke(w.sweep(), 'remediate');
    },
  },
];

function difference(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [command, count] of Object.entries(a)) {
    const more = count - (b[command] ?? 0);
    if (more > 0) out[command] = more;
  }
  return out;
}

/** Sorted comparison of outcomes, since a sweep reports its detectors in completion order. */
const sameOutcomes = (a: string, b: string) =>
  a.split(',').sort().join(',') === b.split(',').sort().join(',');

export interface OverheadResult {
  readonly events: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly medianAwsMs: number;
  readonly medianTotalMs: number;
  /** Σ overhead / Σ AWS-call time over all events. */
  readonly ratioToAws: number;
  readonly byOutcome: Record<
    string,
    { events: number; medianMs: number; p99Ms: number; medianAwsMs: number }
  >;
  readonly unexpectedOutcomes: number;
}

export interface MotoBenchResult {
  readonly calls: readonly CallsRow[];
  readonly overhead: OverheadResult;
}

export async function motoBench(endpoint: string, cycles: number): Promise<MotoBenchResult> {
  useOfflineEnv(MOTO_REGION);
  process.env.AWS_ENDPOINT_URL = endpoint;
  const world = new MotoWorld(endpoint);

  // Warm moto's lazily imported services and the SDK's first-call paths before anything is counted or timed.
  await world.reset();
  await world.invoke(world.apiEvent(FIXTURE.disableRuntime, await world.driftedDetector()), 'remediate');
  await world.invoke(world.sweep(), 'remediate');

  const calls: CallsRow[] = [];
  await world.reset();
  for (const scenario of CALL_SCENARIOS) {
    const invocation = await scenario.run(world);
    const ours = tally(invocation.calls.map((call) => call.command));
    const floor = tally(scenario.floor);
    calls.push({
      scenario: scenario.name,
      outcome: invocation.outcomes,
      expectedOutcome: scenario.expectedOutcome,
      calls: invocation.calls.map((call) => (call.detail ? `${call.command}[${call.detail}]` : call.command)),
      floor: scenario.floor,
      extra: difference(ours, floor),
      missing: difference(floor, ours),
      floorWhy: scenario.floorWhy,
    });
  }

  return { calls, overhead: await measureOverhead(world, cycles) };
}

interface OverheadSample {
  readonly outcome: string;
  readonly overheadMs: number;
  readonly awsMs: number;
  readonly totalMs: number;
}

/** Warm invocations, five outcomes per cycle, each timed around parseEvent + respond. */
async function measureOverhead(world: MotoWorld, cycles: number): Promise<OverheadResult> {
  await world.reset();
  const compliant = await world.compliantDetector();
  const exempt = await world.driftedDetector(EXEMPT_TAGS);
  const standing = await world.driftedDetector();
  const samples: OverheadSample[] = [];
  let unexpectedOutcomes = 0;
  const record = (invocation: Invocation, expected: string, warm: boolean) => {
    if (invocation.outcomes !== expected) unexpectedOutcomes += 1;
    if (!warm) return;
    samples.push({
      outcome: expected === 'ignored' ? 'duplicate' : expected,
      overheadMs: invocation.totalMs - invocation.awsMs,
      awsMs: invocation.awsMs,
      totalMs: invocation.totalMs,
    });
  };
  const warmUp = 2;
  for (let cycle = 0; cycle < cycles + warmUp; cycle += 1) {
    const timed = cycle >= warmUp;
    const fresh = await world.driftedDetector();
    record(
      await world.invoke(world.apiEvent(FIXTURE.disableRuntime, fresh), 'remediate'),
      'remediate',
      timed,
    );
    record(
      await world.invoke(world.apiEvent(FIXTURE.disableRuntime, compliant), 'remediate'),
      'compliant',
      timed,
    );
    const notifyEvent = world.apiEvent(FIXTURE.disableRuntime, standing);
    record(await world.invoke(notifyEvent, 'notify'), 'would-remediate', timed);
    record(await world.invoke(notifyEvent, 'notify'), 'ignored', timed);
    record(await world.invoke(world.apiEvent(FIXTURE.disableRuntime, exempt), 'remediate'), 'exempt', timed);
  }
  const overheads = samples.map((sample) => sample.overheadMs);
  const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
  const byOutcome: OverheadResult['byOutcome'] = {};
  for (const outcome of new Set(samples.map((sample) => sample.outcome))) {
    const group = samples.filter((sample) => sample.outcome === outcome);
    byOutcome[outcome] = {
      events: group.length,
      medianMs: round(median(group.map((sample) => sample.overheadMs))),
      p99Ms: round(
        percentile(
          group.map((sample) => sample.overheadMs),
          99,
        ),
      ),
      medianAwsMs: round(median(group.map((sample) => sample.awsMs))),
    };
  }
  return {
    events: samples.length,
    medianMs: round(median(overheads)),
    p99Ms: round(percentile(overheads, 99)),
    medianAwsMs: round(median(samples.map((sample) => sample.awsMs))),
    medianTotalMs: round(median(samples.map((sample) => sample.totalMs))),
    ratioToAws: round(sum(overheads) / sum(samples.map((sample) => sample.awsMs)), 3),
    byOutcome,
    unexpectedOutcomes,
  };
}

export { sameOutcomes };
