/**
 * Section 3: the AWS calls per outcome, against moto_server, through the responder as the Lambda builds it
 * (handlers/composition.ts `createResponder`, every SDK call counted by a middleware on its clients). Each call is
 * timed as well, which gives the sequential round trips before the re-enabling UpdateDetector and before the page.
 */
import { createClients } from '../handlers/clients.js';
import { createResponder, type HandlerResult, type Responder } from '../handlers/composition.js';
import type { ResponderMode } from '../handlers/core/types.js';
import {
  type Json,
  lambdaContext,
  retarget,
  sweepEvent,
  syntheticFixture,
} from '../test/support/fixtures.js';
import {
  createDetector,
  createStateTable,
  createTopicWithQueue,
  type MotoClients,
  motoClients,
  PROTECTED_RUNTIME,
  switchOffRuntime,
} from '../test/support/moto-aws.js';
import { type AwsCall, AwsCallRecorder, roundTripsBefore, tally } from './aws-recorder.js';
import { FUNCTION_ENV, sinkLogger, TABLE_NAME, useOfflineEnv } from './support.js';

/** moto keeps state per Region; the bench has its own server, so any Region will do. */
export const MOTO_REGION = 'eu-north-1';

/** Ten days ahead: within the MAX_EXEMPTION_DAYS default (30), so the exemption is honoured. */
const EXEMPT_UNTIL = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
const FIXTURE = {
  disableRuntime: 'UpdateDetector.disable-runtime-monitoring.synthetic.json',
  enableRuntime: 'UpdateDetector.enable-runtime-monitoring.synthetic.json',
  ownEnable: 'UpdateDetector.responder-own-enable.synthetic.json',
  denied: 'UpdateDetector.denied-disable.synthetic.json',
} as const;

const EXEMPT_TAGS = {
  'drift-responder:exempt-until': EXEMPT_UNTIL,
  'drift-responder:exempt-reason': 'CHG-1234 benchmark exemption',
};

const TOPIC_NAME = 'drift-alerts';

export interface Invocation {
  readonly result: HandlerResult;
  readonly outcomes: string;
  readonly calls: readonly AwsCall[];
}

/** One Region of moto_server with the state table and topic, and one responder per mode on instrumented clients. */
class MotoWorld {
  private readonly setupClients: MotoClients;
  private readonly recorder = new AwsCallRecorder();
  private readonly clients = createClients();
  private eventCounter = 0;
  private responders: Record<ResponderMode, Responder> | undefined;

  constructor(private readonly endpoint: string) {
    this.setupClients = motoClients(endpoint, MOTO_REGION);
    for (const client of Object.values(this.clients)) this.recorder.instrument(client.middlewareStack);
  }

  /** Wipes moto and creates the table and topic again: a Region with no detector in it. */
  async reset(): Promise<void> {
    const response = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
    if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    await createStateTable(this.setupClients, TABLE_NAME);
    // A deployed topic has a confirmed subscriber (an e-mail, a chat channel): without one the sweep's wiring check
    // would page "nobody receives the alerts" at every sweep, which no deployment measures. An SQS queue subscribed
    // to it is confirmed at once.
    const { topicArn: TopicArn } = await createTopicWithQueue(this.setupClients, TOPIC_NAME);
    const responderFor = (mode: ResponderMode) =>
      createResponder({
        env: {
          ...FUNCTION_ENV,
          AWS_REGION: MOTO_REGION,
          NOTIFICATION_TOPIC_ARN: TopicArn,
          RESPONDER_MODE: mode,
        },
        clients: this.clients,
        logger: sinkLogger(),
      });
    this.responders = { remediate: responderFor('remediate'), notify: responderFor('notify') };
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

  switchOff(detectorId: string): Promise<void> {
    return switchOffRuntime(this.setupClients, detectorId);
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
    const responder = this.responders?.[mode];
    if (!responder) throw new Error('reset() the world first');
    this.recorder.take();
    const result = await responder.handle(event, lambdaContext(MOTO_REGION));
    const calls = this.recorder.take();
    const reports = [
      ...('reports' in result ? result.reports : []),
      ...('organization' in result && result.organization ? [result.organization] : []),
    ];
    return { result, outcomes: reports.map((report) => report.outcome).join(',') || 'ignored', calls };
  }
}

export interface CallsRow {
  readonly scenario: string;
  /** Sequential round trips before the first UpdateDetector and before the first Publish (undefined: none). */
  readonly beforeWrite: number | undefined;
  readonly beforePage: number | undefined;
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
    floor: ['GetDetector', 'Query', 'Query', 'PutMetricData'],
    floorWhy:
      'read, with the breaker count asked for at the same time (a disabling call usually leaves a drift: one round ' +
      'trip less before the write, one call wasted here); one consistent read of the case for an owed alert; metrics',
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
    floor: ['GetDetector', 'UpdateItem', 'Publish', 'PutItem', 'PutMetricData'],
    floorWhy: 'read, case claim (the sweep finds the same case), alert, settle, metrics',
    run: async (w) => w.invoke(w.apiEvent(FIXTURE.disableRuntime, await w.driftedDetector()), 'notify'),
  },
  {
    name: 'exempt',
    expectedOutcome: 'exempt',
    floor: ['GetDetector', 'Query', 'Query', 'PutItem', 'UpdateItem', 'Publish', 'PutItem', 'PutMetricData'],
    floorWhy:
      'read (tags come with GetDetector) with the count asked beside it (a disabling call), when the exemption was ' +
      'first seen (read, and recorded the first time: its length counts from then), case claim, alert, settle, metrics',
    run: async (w) =>
      w.invoke(w.apiEvent(FIXTURE.disableRuntime, await w.driftedDetector(EXEMPT_TAGS)), 'remediate'),
  },
  {
    name: 'circuit-open (4th drift in an hour: restored, one fight page)',
    expectedOutcome: 'circuit-open',
    floor: ['GetDetector', ...REMEDIATION, 'PutMetricData'],
    floorWhy:
      'a fight is restored all the same: read, count, claim, fix, read back, the fight page, settle+history, metrics',
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
    floor: ['GetDetector', 'Query', 'Query', 'PutMetricData'],
    floorWhy:
      'compliant again: the count asked for beside the read, one consistent read shows no alert is owed, nothing to claim',
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
      'ListCoverage',
      'GetCoverageStatistics',
      'ListSubscriptionsByTopic',
      'PutMetricData',
    ],
    floorWhy:
      'list, one read per detector, one owed-alert read per compliant detector (AWS allows one detector per Region), ' +
      "the Region's EKS cluster coverage (one page, and GuardDuty's own count), the wiring check (the topic still has " +
      'a confirmed subscriber; no OWN_RESOURCES here, so no rule or trail reads), one metrics call',
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
      'ListCoverage',
      'GetCoverageStatistics',
      'ListSubscriptionsByTopic',
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

/**
 * The settle is one write, PutItem or BatchWriteItem (with a history entry or a second key): which one the code picks
 * is its business, the count is not.
 */
const settleClass = (command: string) =>
  command === 'PutItem' || command === 'BatchWriteItem' ? 'PutItem|BatchWriteItem' : command;

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

export async function motoBench(endpoint: string): Promise<CallsRow[]> {
  useOfflineEnv(MOTO_REGION, endpoint);
  const world = new MotoWorld(endpoint);

  // Warm moto's lazily imported services and the SDK's first-call paths before anything is counted or timed.
  await world.reset();
  await world.invoke(world.apiEvent(FIXTURE.disableRuntime, await world.driftedDetector()), 'remediate');
  await world.invoke(world.sweep(), 'remediate');

  const calls: CallsRow[] = [];
  await world.reset();
  for (const scenario of CALL_SCENARIOS) {
    const invocation = await scenario.run(world);
    const ours = tally(invocation.calls.map((call) => settleClass(call.command)));
    const first = (command: string) => invocation.calls.find((call) => call.command === command);
    const write = first('UpdateDetector');
    const page = first('Publish');
    const floor = tally(scenario.floor.map(settleClass));
    calls.push({
      scenario: scenario.name,
      beforeWrite: write ? roundTripsBefore(invocation.calls, write) : undefined,
      beforePage: page ? roundTripsBefore(invocation.calls, page) : undefined,
      outcome: invocation.outcomes,
      expectedOutcome: scenario.expectedOutcome,
      calls: invocation.calls.map((call) => (call.detail ? `${call.command}[${call.detail}]` : call.command)),
      floor: scenario.floor,
      extra: difference(ours, floor),
      missing: difference(floor, ours),
      floorWhy: scenario.floorWhy,
    });
  }

  return calls;
}

export { sameOutcomes };
