/**
 * Section 7, one organization sweep per process, run by plain `node --expose-gc` from a bundle built like the
 * Lambda's: the responder in organization scope as createResponder builds it (the JSON logger at INFO into a sink),
 * through the real SDK against the loopback stub server (another process, BENCH_STUB), which this child sets up: a
 * warm-up sweep of 100 members with no latency first (a warm Lambda instance), then the scenario's organization,
 * latency and rate limit. Every SDK call is recorded by a middleware on the clients. The scenario comes in
 * BENCH_ORG_SCENARIO; progress is written beside the result every second, so a sweep stopped at its deadline still
 * says how far it got.
 */
import { writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { createClients } from '../handlers/clients.js';
import { createResponder } from '../handlers/composition.js';
import sweepFixture from '../test/fixtures/ScheduledEvent.sweep.synthetic.json' with { type: 'json' };
import { lambdaContext } from '../test/support/fixtures.js';
import { StubClient } from '../test/support/stub-client.js';
import type { RateLimit } from '../test/support/stub-server.js';
import { AwsCallRecorder, tally } from './aws-recorder.js';
import { type MinimalResult, planMinimal, runMinimal } from './org-minimal.js';
import { childMain, FUNCTION_ENV, sinkLogger } from './support.js';

export const ORG_REGION = 'us-east-1';
const WARM_UP_MEMBERS = 100;

export interface OrgScenario {
  readonly name: string;
  readonly members: number;
  /** Every n-th member drifted; 0 for none. */
  readonly driftedEvery: number;
  readonly mode: 'remediate' | 'notify';
  readonly latencyMs: number;
  readonly rateLimit?: RateLimit;
  /** Also send the same calls again on the floor's schedule with nothing around them (bench/org-minimal.ts). */
  readonly minimal?: boolean;
}

/** One stretch of the run: from the first call of a kind starting to the last one ending, in ms from the start. */
export interface PhaseSpan {
  readonly phase: string;
  readonly calls: number;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface OrgProgress {
  readonly elapsedMs: number;
  readonly byCommand: Record<string, number>;
}

export interface OrgChildResult {
  readonly outcome: string;
  readonly remediated: number | undefined;
  readonly driftedBefore: number;
  readonly driftedAfter: number;
  /** Every SDK call (`client.send`) of the measured sweep, by command, in the order they started. */
  readonly commands: readonly string[];
  /** Attempts the stub answered with a throttling error (the SDK retried them). */
  readonly throttled: number;
  readonly wallMs: number;
  /** CPU time of this process (the responder, the SDK, GC) during the sweep; the stub runs elsewhere. */
  readonly cpuMs: number;
  readonly phases: readonly PhaseSpan[];
  readonly digest: { readonly bytes: number; readonly subject: string } | undefined;
  /** The minimal sweep of the same calls, in this process right after the responder's (state reset in between). */
  readonly minimal: MinimalResult | undefined;
  readonly memory: {
    readonly rssAfterImport: number;
    /** After the warm-up and a full GC. */
    readonly rssBeforeSweep: number;
    readonly heapBeforeSweep: number;
    /** The used heap (v8 getHeapStatistics) sampled every 10 ms during the sweep (no GC forced). */
    readonly heapPeak: number;
    /** process.resourceUsage().maxRSS: the whole process's peak, warm-up included. */
    readonly peakRss: number;
  };
}

const collectGarbage = () => {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc === 'function') gc();
};

async function main(): Promise<OrgChildResult> {
  const rssAfterImport = process.memoryUsage().rss;
  const scenario = JSON.parse(process.env.BENCH_ORG_SCENARIO ?? '') as OrgScenario;
  const stub = new StubClient(process.env.BENCH_STUB ?? '');
  const clients = createClients();
  const recorder = new AwsCallRecorder();
  for (const client of Object.values(clients)) recorder.instrument(client.middlewareStack);
  const responder = createResponder({
    env: {
      ...FUNCTION_ENV,
      AWS_REGION: ORG_REGION,
      RESPONDER_SCOPE: 'organization',
      RESPONDER_MODE: scenario.mode,
    },
    clients,
    logger: sinkLogger(),
  });
  const sweep = (id: string) =>
    responder.handle({ ...sweepFixture, region: ORG_REGION, id }, lambdaContext(ORG_REGION));
  const organization = (members: number) => ({
    organization: {
      region: ORG_REGION,
      scale: { members, driftedEvery: scenario.driftedEvery, detail: 'as-aws' as const },
    },
  });

  // Warm-up: the same code paths on a small organization, no latency, nothing recorded.
  await stub.settings({ latencyMs: 0, rateLimit: undefined });
  await stub.reset(organization(WARM_UP_MEMBERS));
  await sweep(`org-warm-${scenario.name}`).catch(() => undefined);

  await stub.reset(organization(scenario.members));
  await stub.settings({ latencyMs: scenario.latencyMs, rateLimit: scenario.rateLimit });
  const driftedBefore = (await stub.state()).driftedMembers ?? 0;
  recorder.take();
  collectGarbage();
  const rssBeforeSweep = process.memoryUsage().rss;
  const heapBeforeSweep = process.memoryUsage().heapUsed;
  let heapPeak = heapBeforeSweep;
  const started = performance.now();
  const progressFile = process.env.BENCH_PROGRESS ?? `${process.env.BENCH_OUT ?? ''}.progress`;
  // v8's heap statistics, not process.memoryUsage(): the same heapUsed at a third of the cost (memoryUsage also reads
  // the RSS from the OS), in the process being measured; the peak RSS comes from resourceUsage() at the end.
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, getHeapStatistics().used_heap_size);
  }, 10);
  const reporter = setInterval(() => {
    const progress: OrgProgress = {
      elapsedMs: performance.now() - started,
      byCommand: tally(recorder.peek().map((call) => call.command)),
    };
    writeFileSync(progressFile, JSON.stringify(progress));
  }, 1000);
  const cpuBefore = process.cpuUsage();
  let outcome: string;
  let remediated: number | undefined;
  try {
    const result = await sweep(`org-${scenario.name}`);
    const report = 'organization' in result ? result.organization : undefined;
    outcome = report?.outcome ?? 'no organization report';
    remediated = report?.remediatedAccounts;
  } catch (error) {
    outcome = `error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  clearInterval(reporter);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  const calls = recorder.take();
  const served = await stub.takeCalls();
  const state = await stub.state();
  // The read-back after UpdateMemberDetectors is a phase of its own.
  const firstUpdate = Math.min(
    ...calls.filter((call) => call.command === 'UpdateMemberDetectors').map((call) => call.start),
  );
  const phaseOf = (call: (typeof calls)[number]) =>
    call.command === 'GetMemberDetectors' && call.start > firstUpdate
      ? 'GetMemberDetectors (read back)'
      : call.command;
  const phases = [...new Set(calls.map(phaseOf))].map((phase) => {
    const own = calls.filter((call) => phaseOf(call) === phase);
    return {
      phase,
      calls: own.length,
      fromMs: Math.min(...own.map((call) => call.start)) - started,
      toMs: Math.max(...own.map((call) => call.end)) - started,
    };
  });
  const digest = state.published.at(-1);
  let minimal: MinimalResult | undefined;
  if (scenario.minimal) {
    // The same organization from scratch, so every replayed call finds what the responder's call found.
    await stub.settings({ latencyMs: 0, rateLimit: undefined });
    await stub.reset(organization(scenario.members));
    await stub.settings({ latencyMs: scenario.latencyMs, rateLimit: scenario.rateLimit });
    await stub.takeCalls();
    collectGarbage();
    minimal = await runMinimal(clients, planMinimal(calls));
    recorder.take();
  }
  return {
    outcome,
    remediated,
    driftedBefore,
    driftedAfter: state.driftedMembers ?? 0,
    commands: [...calls].sort((a, b) => a.start - b.start).map((call) => call.command),
    throttled: served.filter((call) => call.throttled).length,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    phases,
    digest,
    minimal,
    memory: {
      rssAfterImport,
      rssBeforeSweep,
      heapBeforeSweep,
      heapPeak,
      peakRss: process.resourceUsage().maxRSS * 1024,
    },
  };
}

await childMain(main);
