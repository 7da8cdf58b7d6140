/**
 * Section 7: the organization sweep at 10,000 and 50,000 members, through the real SDK against the loopback stub.
 * Each round is a pair of processes of its own: the responder (bench/org-child.ts, bundled like the Lambda, so its
 * CPU and peak RSS are its own) and the stub. Here: the floor of AWS calls and the floor of wall time, both from the
 * minimal correct sequence (not from the code), with each floor's formula, and the rounds' ratios.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tally } from './aws-recorder.js';
import type { OrgChildResult, OrgProgress, OrgScenario } from './org-child.js';
import { bundleChild, DIST_DIR, round, runChild, startStub } from './support.js';

/** GetMemberDetectors, UpdateMemberDetectors and ListMembers take or return at most 50 accounts (API maximum). */
export const API_BATCH = 50;

export interface FloorStep {
  readonly command: string;
  readonly calls: number;
  readonly why: string;
}

export const driftedCount = (scenario: OrgScenario) =>
  scenario.driftedEvery > 0 ? Math.ceil(scenario.members / scenario.driftedEvery) : 0;

/** The least any implementation of the design sends for this scenario. */
export function floorCalls(scenario: OrgScenario): FloorStep[] {
  const pages = Math.ceil(scenario.members / API_BATCH);
  const drifted = driftedCount(scenario);
  const batches = Math.ceil(drifted / API_BATCH);
  const steps: FloorStep[] = [
    { command: 'ListDetectors', calls: 1, why: "the administrator's detector id" },
    { command: 'GetDetector', calls: 1, why: "the administrator's own detector, swept as in account scope" },
    { command: 'Query', calls: 1, why: 'own detector compliant: the owed-alert read of its claim' },
    { command: 'DescribeOrganizationConfiguration', calls: 1, why: 'the auto-enable settings' },
    {
      command: 'ListCoverage',
      calls: 1,
      why: "the members' EKS cluster coverage (the stub lists none: one page)",
    },
    { command: 'GetCoverageStatistics', calls: 1, why: "GuardDuty's own coverage count" },
    {
      command: 'ListSubscriptionsByTopic',
      calls: 1,
      why: 'the wiring check: the alert topic still has a confirmed subscriber',
    },
    {
      command: 'GetOrganizationStatistics',
      calls: 1,
      why: "GuardDuty's own per-feature count of the organization, beside the sweep's",
    },
    { command: 'Query', calls: 1, why: "the last sweep's member count (a drop between sweeps is paged)" },
    { command: 'PutItem', calls: 1, why: "this sweep's member count, for the next one" },
    {
      command: 'ListMembers',
      calls: pages,
      why: `${pages} pages of ${API_BATCH}, each needing the previous NextToken`,
    },
    { command: 'GetMemberDetectors', calls: pages, why: `one per ${API_BATCH} members` },
  ];
  if (drifted > 0 && scenario.mode === 'remediate') {
    steps.push(
      { command: 'Query', calls: 1, why: 'circuit breaker: remediations per account in the last hour' },
      { command: 'UpdateItem', calls: 1, why: 'claim the case' },
      { command: 'UpdateMemberDetectors', calls: batches, why: `${drifted} accounts, ${API_BATCH} per call` },
      { command: 'GetMemberDetectors', calls: batches, why: 'read back the re-enabled accounts' },
      { command: 'Publish', calls: 1, why: 'one digest' },
      { command: 'BatchWriteItem', calls: 1, why: 'settle the claim + remediation history' },
    );
  } else if (drifted > 0) {
    steps.push(
      { command: 'UpdateItem', calls: 1, why: 'claim the drift' },
      { command: 'Publish', calls: 1, why: 'one digest' },
      { command: 'BatchWriteItem', calls: 1, why: 'settle the claim + mark the standing drift' },
    );
  } else {
    steps.push({
      command: 'Query',
      calls: 1,
      why: 'owed-digest read: the sweep may retry a run whose digest is owed',
    });
  }
  steps.push({ command: 'PutMetricData', calls: 1, why: 'the aggregated metrics, one call' });
  return steps;
}

/**
 * Start times of requests of one operation through a token bucket (rate R a second, `burst` when full), each ready
 * at the given time: what a client that never sends over the limit achieves.
 */
function throughBucket(ready: readonly number[], rate: number, burst: number): number[] {
  return ready.map(tokenBucket(rate, burst));
}

/** A token bucket as the stub keeps one: each call takes a request ready at `readyAt` and says when it may start. */
function tokenBucket(rate: number, burst: number): (readyAt: number) => number {
  let tokens = burst;
  let at = 0;
  return (readyAt) => {
    let start = Math.max(readyAt, at);
    tokens = Math.min(burst, tokens + ((start - at) * rate) / 1000);
    if (tokens < 1) {
      start += ((1 - tokens) * 1000) / rate;
      tokens = 1;
    }
    tokens -= 1;
    at = start;
    return start;
  };
}

export interface WallFloor {
  readonly ms: number;
  readonly formula: string;
}

/**
 * The least wall time of the minimal correct sequence at the stub's latency L. ListDetectors first (everything needs
 * the administrator's detector id); then the ListMembers chain, each page after the previous one (NextToken), with
 * the configuration, the own detector and the breaker count alongside; each page's GetMemberDetectors as soon as the
 * page is in, at the highest concurrency the rate limit allows (unbounded without one); then the tail, one round
 * trip each: remediate = claim, UpdateMemberDetectors (all batches at once), read-back, Publish, settle (metrics
 * alongside): 5; notify = claim, Publish, settle: 3; compliant = PutMetricData: 1. CPU counts nothing here.
 */
export function wallFloor(scenario: OrgScenario): WallFloor {
  const L = scenario.latencyMs;
  const pages = Math.ceil(scenario.members / API_BATCH);
  const drifted = driftedCount(scenario);
  const tail = drifted === 0 ? 1 : scenario.mode === 'remediate' ? 5 : 3;
  const limit = scenario.rateLimit;
  if (!limit) {
    return {
      ms: L * (1 + pages + 1 + tail),
      formula: `L x (1 + P + 1 + ${tail}) = ${L} ms x (1 + ${pages} + 1 + ${tail})`,
    };
  }
  // A token bucket per operation (AWS limits each API on its own).
  const rate = limit.perSecond;
  const burst = limit.burst ?? rate;
  // The chain through its bucket: each page is ready when the previous one is answered.
  const chainBucket = tokenBucket(rate, burst);
  const chain: number[] = [];
  for (let page = 0, ready = L; page < pages; page += 1) {
    const start = chainBucket(ready);
    chain.push(start);
    ready = start + L;
  }
  const reads = throughBucket(
    chain.map((start) => start + L),
    rate,
    burst,
  );
  let end = Math.max(...reads) + L;
  if (drifted > 0 && scenario.mode === 'remediate') {
    const batches = Math.ceil(drifted / API_BATCH);
    end += L; // claim
    const updates = throughBucket(Array<number>(batches).fill(end), rate, burst);
    end = Math.max(...updates) + L;
    end += L + 2 * L; // read-back (GetMemberDetectors' bucket is full again by now), Publish, settle
  } else {
    end += tail * L;
  }
  const chainEnd = (chain.at(-1) ?? L) + L;
  return {
    ms: round(end, 0),
    formula:
      `L + chain(P=${pages} pages, ${rate}/s per API, burst ${burst}) + last read + ${tail} x L ~= ` +
      `${L} + ${round(chainEnd - L, 0)} + ${round(end - chainEnd - tail * L, 0)} + ${tail * L} ms` +
      ` (chain ~= burst x L + (P - burst) / rate)`,
  };
}

export interface OrgRound {
  readonly result: OrgChildResult | undefined;
  readonly stopped:
    | { readonly afterMs: number; readonly why: string; readonly progress?: OrgProgress }
    | undefined;
}

export interface OrgPlan {
  readonly scenario: OrgScenario;
  readonly rounds: number;
  /** A round still running at this multiple of the floor is stopped (and its budget is missed). */
  readonly stopAtRatio: number;
  /** Runs beside the other sections, at a raised scheduling priority. */
  readonly background?: boolean;
}

let childBundle: Promise<string> | undefined;

/** Runs the plan's rounds one after another, each with its own stub process; never rejects. */
export async function runPlan(plan: OrgPlan, latestEndMs: number): Promise<OrgRound[]> {
  childBundle ??= bundleChild('bench/org-child.ts', 'org-child');
  const bundle = await childBundle;
  const floor = wallFloor(plan.scenario);
  const rounds: OrgRound[] = [];
  for (let index = 0; index < plan.rounds; index += 1) {
    // Start-up and the warm-up sweep take a few seconds before the sweep itself; a round with the minimal sweep
    // (bench/org-minimal.ts) runs two sweeps.
    const sweeps = plan.scenario.minimal ? 2 : 1;
    const deadlineMs = Math.min(
      floor.ms * plan.stopAtRatio * sweeps + 8_000,
      latestEndMs - performance.now(),
    );
    // A later round that could not reach its floor before the bench's end is not started.
    if (index > 0 && deadlineMs < floor.ms * 1.2 * sweeps) break;
    const stub = await startStub({ maxLifetimeMs: deadlineMs + 60_000 }, plan.background);
    const progressPath = join(DIST_DIR, `org-progress-${plan.scenario.name}-${index}.json`);
    try {
      const outcome = await runChild<OrgChildResult>(
        bundle,
        {
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: stub.endpoint,
          BENCH_STUB: stub.endpoint,
          BENCH_ORG_SCENARIO: JSON.stringify(plan.scenario),
          BENCH_PROGRESS: progressPath,
        },
        {
          deadlineMs: Math.max(deadlineMs, 1_000),
          nodeArgs: ['--expose-gc'],
          raised: plan.background ?? false,
        },
      );
      if (outcome.stopped) {
        rounds.push({ result: undefined, stopped: { ...outcome.stopped, ...readProgress(progressPath) } });
        break;
      }
      rounds.push({ result: outcome.result, stopped: undefined });
    } finally {
      await stub.stop();
    }
  }
  return rounds;
}

function readProgress(path: string): { progress?: OrgProgress } {
  if (!existsSync(path)) return {};
  const progress = JSON.parse(readFileSync(path, 'utf8')) as OrgProgress;
  rmSync(path, { force: true });
  return { progress };
}

/** Several plans one after another in one lane. */
export async function runLane(plans: readonly OrgPlan[], latestEndMs: number): Promise<OrgRound[][]> {
  const results: OrgRound[][] = [];
  for (const plan of plans) results.push(await runPlan(plan, latestEndMs));
  return results;
}

/** Calls by command, against the floor: what is extra and what is missing. */
export function callDifference(result: OrgChildResult, scenario: OrgScenario) {
  // The settle is one write, PutItem or BatchWriteItem: which one is the code's business, the count is not.
  const settle = (command: string) =>
    command === 'PutItem' || command === 'BatchWriteItem' ? 'PutItem|BatchWriteItem' : command;
  const ours = tally(result.commands.map(settle));
  const floor: Record<string, number> = {};
  for (const step of floorCalls(scenario)) {
    const command = settle(step.command);
    floor[command] = (floor[command] ?? 0) + step.calls;
  }
  const extra: Record<string, number> = {};
  const missing: Record<string, number> = {};
  for (const command of new Set([...Object.keys(ours), ...Object.keys(floor)])) {
    const delta = (ours[command] ?? 0) - (floor[command] ?? 0);
    if (delta > 0) extra[command] = delta;
    if (delta < 0) missing[command] = -delta;
  }
  return { ours, floor, extra, missing };
}

/** `A x3 > B > C x200`: the order of the calls with repeats collapsed. */
export function collapse(commands: readonly string[]): string {
  const runs: { command: string; count: number }[] = [];
  for (const command of commands) {
    const last = runs[runs.length - 1];
    if (last && last.command === command) last.count += 1;
    else runs.push({ command, count: 1 });
  }
  return runs.map((run) => (run.count > 1 ? `${run.command} x${run.count}` : run.command)).join(' > ');
}
