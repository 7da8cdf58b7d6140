/**
 * Section 7: the organization sweep at 10,000 members. Each scenario runs in its own process (bench/org-child.ts,
 * bundled like the Lambda), so its peak RSS is its own. Here: the floor of AWS calls, written down from the API
 * limits independently of the code, and the ideal wall time that floor allows at the responder's concurrency.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { MEMBER_CONCURRENCY } from '../handlers/organization/responder.js';
import { tally } from './aws-recorder.js';
import { deployedBuildOptions } from './bundle.js';
import type { OrgChildResult, OrgScenario } from './org-child.js';
import { mb, ms, ratioText, status, type TableRow } from './report.js';
import { DIST_DIR, FUNCTION_ENV, round } from './support.js';

const ORG_MEMBERS = Number(process.env.BENCH_ORG_MEMBERS ?? '10000');
/** Every call answers after this long: 20 ms keeps the section near 15 s (three sweeps of ~225 latencies each). */
const ORG_LATENCY_MS = Number(process.env.BENCH_ORG_LATENCY_MS ?? '20');
/** No budget in issue #6 beyond "against the ideal": section 5's sweep budget is reused as a flag. */
const ORG_RATIO_FLAG = 1.5;
/** SNS rejects messages over 256 KiB. */
const SNS_MESSAGE_LIMIT = 256 * 1024;

export const ORG_SCENARIOS: readonly OrgScenario[] = [
  { name: 'compliant', members: ORG_MEMBERS, driftedEvery: 0, mode: 'remediate', latencyMs: ORG_LATENCY_MS },
  { name: 'remediate', members: ORG_MEMBERS, driftedEvery: 50, mode: 'remediate', latencyMs: ORG_LATENCY_MS },
  { name: 'notify', members: ORG_MEMBERS, driftedEvery: 50, mode: 'notify', latencyMs: ORG_LATENCY_MS },
];

/** GetMemberDetectors, UpdateMemberDetectors and ListMembers take or return at most 50 accounts (API maximum). */
export const API_BATCH = 50;

export interface FloorStep {
  readonly command: string;
  readonly calls: number;
  /** Calls that may run MEMBER_CONCURRENCY at a time; the others wait for each other (or for the previous step). */
  readonly concurrent: boolean;
  readonly why: string;
}

export interface OrgRow {
  readonly scenario: OrgScenario;
  readonly drifted: number;
  readonly outcome: string;
  readonly remediated: number | undefined;
  readonly driftedAfter: number;
  readonly calls: number;
  readonly byCommand: Record<string, number>;
  /** The commands in order, runs collapsed: `ListMembers x200 > GetMemberDetectors x200 > …`. */
  readonly sequence: string;
  readonly floor: readonly FloorStep[];
  readonly floorCalls: number;
  readonly extra: Record<string, number>;
  readonly missing: Record<string, number>;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** The floor's critical path, each step after the previous one, concurrent steps MEMBER_CONCURRENCY at a time. */
  readonly idealMs: number;
  readonly ratio: number;
  /**
   * What a design that streams each ListMembers page into its GetMemberDetectors (and reads the organization
   * configuration alongside) would need: the serial page chain plus one read, then the rest.
   */
  readonly pipelinedMs: number;
  readonly phases: OrgChildResult['phases'];
  readonly digest: OrgChildResult['digest'];
  readonly memory: OrgChildResult['memory'];
}

export const driftedCount = (scenario: OrgScenario) =>
  scenario.driftedEvery > 0 ? Math.ceil(scenario.members / scenario.driftedEvery) : 0;

/** The least any implementation of the design needs for this scenario (see docs/performance.md, section 7). */
export function floorOf(scenario: OrgScenario): FloorStep[] {
  const pages = Math.ceil(scenario.members / API_BATCH);
  const drifted = driftedCount(scenario);
  const batches = Math.ceil(drifted / API_BATCH);
  const steps: FloorStep[] = [
    { command: 'ListDetectors', calls: 1, concurrent: false, why: "the administrator's detector id" },
    {
      command: 'DescribeOrganizationConfiguration',
      calls: 1,
      concurrent: false,
      why: 'the auto-enable settings',
    },
    {
      command: 'ListMembers',
      calls: pages,
      concurrent: false,
      why: `${pages} pages of ${API_BATCH}, each needing the previous NextToken`,
    },
    {
      command: 'GetMemberDetectors',
      calls: pages,
      concurrent: true,
      why: `one per ${API_BATCH} members`,
    },
  ];
  if (drifted > 0 && scenario.mode === 'remediate') {
    steps.push(
      {
        command: 'Query',
        calls: 1,
        concurrent: false,
        why: 'circuit breaker: remediations in the last hour',
      },
      { command: 'UpdateItem', calls: 1, concurrent: false, why: 'claim the sweep' },
      {
        command: 'UpdateMemberDetectors',
        calls: batches,
        concurrent: true,
        why: `${drifted} accounts, one feature entry, ${API_BATCH} per call`,
      },
      {
        command: 'GetMemberDetectors',
        calls: batches,
        concurrent: true,
        why: 'read back the re-enabled accounts',
      },
      { command: 'Publish', calls: 1, concurrent: false, why: 'one digest' },
      {
        command: 'BatchWriteItem',
        calls: 1,
        concurrent: false,
        why: 'settle the claim + remediation history',
      },
    );
  } else if (drifted > 0) {
    steps.push(
      { command: 'UpdateItem', calls: 1, concurrent: false, why: 'claim the drift' },
      { command: 'Publish', calls: 1, concurrent: false, why: 'one digest' },
      { command: 'PutItem', calls: 1, concurrent: false, why: 'settle the claim' },
    );
  } else {
    steps.push({
      command: 'Query',
      calls: 1,
      concurrent: false,
      why: 'owed-digest read: the sweep may be the retry of a run whose digest is still owed',
    });
  }
  steps.push({
    command: 'PutMetricData',
    calls: 1,
    concurrent: false,
    why: 'the aggregated metrics, one call',
  });
  return steps;
}

const latencySteps = (step: FloorStep) =>
  step.concurrent ? Math.ceil(step.calls / MEMBER_CONCURRENCY) : step.calls;

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

function difference(ours: Record<string, number>, floor: Record<string, number>) {
  const extra: Record<string, number> = {};
  const missing: Record<string, number> = {};
  for (const command of new Set([...Object.keys(ours), ...Object.keys(floor)])) {
    const delta = (ours[command] ?? 0) - (floor[command] ?? 0);
    if (delta > 0) extra[command] = delta;
    if (delta < 0) missing[command] = -delta;
  }
  return { extra, missing };
}

function runChild(bundlePath: string, scenario: OrgScenario): Promise<OrgChildResult> {
  const out = join(DIST_DIR, `org-result-${scenario.name}.json`);
  const env = {
    PATH: process.env.PATH ?? '',
    ...FUNCTION_ENV,
    BENCH_ORG_OUT: out,
    BENCH_ORG_SCENARIO: JSON.stringify(scenario),
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', bundlePath], { env, maxBuffer: 64 * 1024 * 1024 }, () => {
      try {
        const result = JSON.parse(readFileSync(out, 'utf8')) as
          | OrgChildResult
          | { error: string; scenario?: never };
        if (result.scenario === undefined) reject(new Error(`section 7 child failed: ${result.error}`));
        else resolve(result);
      } catch (error) {
        reject(error);
      }
    });
  });
}

function row(result: OrgChildResult): OrgRow {
  const { scenario } = result;
  const floor = floorOf(scenario);
  const floorTally: Record<string, number> = {};
  for (const step of floor) floorTally[step.command] = (floorTally[step.command] ?? 0) + step.calls;
  const byCommand = tally(result.commands);
  const idealSteps = floor.reduce((sum, step) => sum + latencySteps(step), 0);
  const readSteps = latencySteps(floor[3] ?? { command: '', calls: 0, concurrent: false, why: '' });
  // Streaming: the last page's GetMemberDetectors is the only read after the chain; the configuration read overlaps.
  const pipelinedSteps = idealSteps - 1 - readSteps + 1;
  const idealMs = idealSteps * scenario.latencyMs;
  return {
    scenario,
    drifted: result.driftedBefore,
    outcome: result.report?.outcome ?? `error: ${result.error ?? 'unknown'}`,
    remediated: result.report?.remediatedAccounts,
    driftedAfter: result.driftedAfter,
    calls: result.commands.length,
    byCommand,
    sequence: collapse(result.commands),
    floor,
    floorCalls: floor.reduce((sum, step) => sum + step.calls, 0),
    ...difference(byCommand, floorTally),
    wallMs: round(result.wallMs, 1),
    cpuMs: round(result.cpuMs, 1),
    idealMs,
    ratio: round(result.wallMs / idealMs),
    pipelinedMs: pipelinedSteps * scenario.latencyMs,
    phases: result.phases.map((phase) => ({
      ...phase,
      fromMs: round(phase.fromMs, 1),
      toMs: round(phase.toMs, 1),
    })),
    digest: result.digest,
    memory: result.memory,
  };
}

export async function organizationScale(scenarios: readonly OrgScenario[]): Promise<OrgRow[]> {
  const bundlePath = join(DIST_DIR, 'org-child.mjs');
  await build(deployedBuildOptions('bench/org-child.ts', bundlePath));
  const rows: OrgRow[] = [];
  for (const scenario of scenarios) rows.push(row(await runChild(bundlePath, scenario)));
  return rows;
}

const count = (value: number) => value.toLocaleString('en-US');

function label(row: OrgRow): string {
  const { scenario } = row;
  const who = `${count(scenario.members)} members`;
  if (row.drifted === 0) return `${who}, all compliant`;
  const mode = scenario.mode === 'notify' ? 'notify mode' : 'remediate';
  return `${who}, ${count(row.drifted)} drifted (${mode})`;
}

/** Section 7 of the table and its notes, with the figures for latest.json. */
export async function organizationRows(): Promise<{
  rows: TableRow[];
  notes: string[];
  results: { latencyMs: number; concurrency: number; durationMs: number; rows: OrgRow[] };
}> {
  const started = performance.now();
  const results = await organizationScale(ORG_SCENARIOS);
  const durationMs = round(performance.now() - started, 0);
  const rows: TableRow[] = [];
  const notes: string[] = [];
  for (const row of results) {
    const extra = Object.entries(row.extra).map(([command, calls]) => `+${calls} ${command}`);
    const missing = Object.entries(row.missing).map(([command, calls]) => `-${calls} ${command}`);
    const expected =
      row.scenario.mode === 'notify' || row.drifted === 0
        ? row.outcome === (row.drifted === 0 ? 'compliant' : 'would-remediate')
        : row.outcome === 'remediate' && row.driftedAfter === 0;
    const equal = extra.length === 0 && missing.length === 0;
    rows.push(
      {
        section: '7 organization',
        metric: `${label(row)}: AWS calls`,
        ours: `${count(row.calls)}${equal ? '' : ` (${[...extra, ...missing].join(', ')})`}`,
        reference: count(row.floorCalls),
        ratio: '',
        budget: '= floor',
        status: status(equal && expected),
      },
      {
        section: '7 organization',
        metric: `  wall, C=${MEMBER_CONCURRENCY}, ${row.scenario.latencyMs} ms a call`,
        ours: `${ms(row.wallMs, 0)} (CPU ${ms(row.cpuMs, 0)})`,
        reference: ms(row.idealMs, 0),
        ratio: ratioText(row.ratio),
        budget: `<= ${ORG_RATIO_FLAG}x`,
        status: status(row.ratio <= ORG_RATIO_FLAG),
      },
    );
    const listing = row.phases.find((phase) => phase.phase === 'ListMembers');
    const reading = row.phases.find((phase) => phase.phase === 'GetMemberDetectors');
    const span = (phase: OrgChildResult['phases'][number] | undefined) =>
      phase
        ? `${ms(phase.toMs - phase.fromMs, 0)} (${((100 * (phase.toMs - phase.fromMs)) / row.wallMs).toFixed(0)}%)`
        : 'n/a';
    notes.push(
      `7 organization: ${label(row)}: outcome ${row.outcome}` +
        (row.remediated !== undefined ? `, ${count(row.remediated)} re-enabled and read back` : '') +
        `, ${count(row.driftedAfter)} still drifted after; calls ${row.sequence}` +
        ` [floor: ${row.floor.map((step) => `${step.command} ${step.calls} (${step.why})`).join('; ')}]`,
      `7 organization: ${label(row)}: ListMembers chain ${span(listing)}, GetMemberDetectors ${span(reading)} of the wall;` +
        ` a design streaming each page into its read would need ${ms(row.pipelinedMs, 0)}` +
        ` (wall / that = ${ratioText(row.wallMs / row.pipelinedMs)})` +
        (row.digest
          ? `; digest ${(row.digest.bytes / 1024).toFixed(1)} KiB (SNS limit ${SNS_MESSAGE_LIMIT / 1024} KiB)`
          : '; no digest'),
    );
    if (!expected) notes.push(`7 organization: ${label(row)}: unexpected outcome ${row.outcome}.`);
  }
  const heaviest = results.find((row) => row.scenario.name === 'remediate') ?? results[0];
  if (heaviest) {
    const memory = heaviest.memory;
    rows.push(
      {
        section: '7 organization',
        metric: `peak RSS, ${label(heaviest)} (own process)`,
        ours: mb(memory.peakRss),
        reference: `${mb(memory.rssBeforeSweep)} before`,
        ratio: '',
        budget: '',
        status: '',
      },
      {
        section: '7 organization',
        metric: '  heap before / live after reads / peak',
        ours: `${mb(memory.heapBeforeSweep)} / ${memory.liveHeapAfterReads === undefined ? 'n/a' : mb(memory.liveHeapAfterReads)} / ${mb(memory.heapPeak)}`,
        reference: '',
        ratio: '',
        budget: '',
        status: '',
      },
    );
    notes.push(
      `7 organization: memory: every scenario's peak RSS ${results.map((row) => `${row.scenario.name} ${mb(row.memory.peakRss)}`).join(', ')};` +
        ` RSS after import ${mb(heaviest.memory.rssAfterImport)} (the harness holds aws-sdk-client-mock and sinon);` +
        ` section 7 took ${(durationMs / 1000).toFixed(1)} s.`,
    );
  }
  return {
    rows,
    notes,
    results: { latencyMs: ORG_LATENCY_MS, concurrency: MEMBER_CONCURRENCY, durationMs, rows: results },
  };
}
