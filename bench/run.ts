/**
 * `npm run bench`: bundle size, cold start, AWS calls per outcome, handler overhead, sweep scale, peak memory and the
 * organization sweep at 10,000 members of the drift responder, each next to its floor and measured side by side in one
 * run. Prints a table and writes the same figures to bench/results/latest.json. Budgets are checked here and
 * reported, never by a test.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startMotoServer } from '../test/support/moto-server.js';
import { buildBundle, deployedBuildOptions, extraOver } from './bundle.js';
import { measureColdStarts } from './cold-start.js';
import { motoBench, sameOutcomes } from './moto-bench.js';
import { ORG_SCENARIOS, organizationRows } from './org-scale.js';
import { kb, mb, ms, ratioText, renderTable, status, type TableRow } from './report.js';
import { DIST_DIR, FUNCTION_ENV, median, percentile, RESULTS_DIR, round } from './support.js';
import { sweepScale } from './sweep-scale.js';

const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? '30');
const OVERHEAD_CYCLES = Number(process.env.BENCH_OVERHEAD_CYCLES ?? '50'); // 5 events per cycle
const SWEEP_SIZES = [1, 10, 30] as const;
const SWEEP_LATENCY_MS = 20;
const RSS_EVENTS = 1000;

const BUDGET = { bundleRatio: 1.3, coldStartRatio: 1.3, overheadMedianMs: 5, sweepRatio: 1.5 } as const;

const benchStarted = performance.now();
const rows: TableRow[] = [];
const notes: string[] = [];
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
mkdirSync(DIST_DIR, { recursive: true });

// 1. Bundle ------------------------------------------------------------------------------------------------------
progress('1/7 building the deployed bundle and the floor bundles (esbuild)');
const ours = await buildBundle('drift-responder', 'handlers/drift-responder.ts');
const floor = await buildBundle('floor', 'bench/floor-entry.ts');
const floorState = await buildBundle('floor-with-dynamodb', 'bench/floor-state-entry.ts');
const bundleRatio = ours.bytes / floor.bytes;
const gzipRatio = ours.gzipBytes / floor.gzipBytes;
rows.push(
  {
    section: '1 bundle',
    metric: 'minified',
    ours: kb(ours.bytes),
    reference: kb(floor.bytes),
    ratio: ratioText(bundleRatio),
    budget: `<= ${BUDGET.bundleRatio}x`,
    status: status(bundleRatio <= BUDGET.bundleRatio),
  },
  {
    section: '1 bundle',
    metric: 'gzipped',
    ours: kb(ours.gzipBytes),
    reference: kb(floor.gzipBytes),
    ratio: ratioText(gzipRatio),
    budget: '',
    status: '',
  },
  {
    section: '1 bundle',
    metric: 'minified vs floor + DynamoDB',
    ours: kb(ours.bytes),
    reference: kb(floorState.bytes),
    ratio: ratioText(ours.bytes / floorState.bytes),
    budget: '',
    status: '',
  },
);
const extra = extraOver(ours, floor);
notes.push(
  `1 bundle: largest inputs of ours: ${ours.packages
    .slice(0, 6)
    .map((share) => `${share.name} ${kb(share.bytes)}`)
    .join(', ')}.`,
  `1 bundle: ours minus floor (${kb(ours.bytes - floor.bytes)}): ${extra
    .slice(0, 7)
    .map((share) => `${share.name} +${kb(share.bytes)}`)
    .join(', ')}.`,
);

// 2. Cold start --------------------------------------------------------------------------------------------------
progress(`2/7 cold start: ${COLD_ROUNDS} fresh node processes per bundle, interleaved`);
const cold = await measureColdStarts(
  [
    { name: 'ours', path: ours.path },
    { name: 'floor', path: floor.path },
    { name: 'floorState', path: floorState.path },
  ],
  COLD_ROUNDS,
);
const coldStats = (name: string) => {
  const samples = cold.get(name) ?? [];
  return {
    samples: samples.length,
    importMedianMs: round(median(samples.map((sample) => sample.importMs))),
    importP90Ms: round(
      percentile(
        samples.map((sample) => sample.importMs),
        90,
      ),
    ),
    processMedianMs: round(median(samples.map((sample) => sample.processMs))),
    rssAfterImportBytes: median(samples.map((sample) => sample.rssBytes)),
  };
};
const coldOurs = coldStats('ours');
const coldFloor = coldStats('floor');
const coldFloorState = coldStats('floorState');
/** Median of ours/floor over samples taken in the same round (seconds apart), which cancels slow drifts in load. */
const pairedRatio = (other: string) => {
  const oursSamples = cold.get('ours') ?? [];
  const otherSamples = cold.get(other) ?? [];
  return median(
    oursSamples.map((sample, index) => sample.importMs / (otherSamples[index]?.importMs ?? Number.NaN)),
  );
};
const coldRatio = pairedRatio('floor');
const coldRatioState = pairedRatio('floorState');
rows.push(
  {
    section: '2 cold start',
    metric: `import + module scope, median of ${coldOurs.samples} (ratio: paired)`,
    ours: ms(coldOurs.importMedianMs),
    reference: ms(coldFloor.importMedianMs),
    ratio: ratioText(coldRatio),
    budget: `<= ${BUDGET.coldStartRatio}x`,
    status: status(coldRatio <= BUDGET.coldStartRatio),
  },
  {
    section: '2 cold start',
    metric: 'same, vs floor + DynamoDB',
    ours: ms(coldOurs.importMedianMs),
    reference: ms(coldFloorState.importMedianMs),
    ratio: ratioText(coldRatioState),
    budget: '',
    status: '',
  },
  {
    section: '2 cold start',
    metric: 'import p90',
    ours: ms(coldOurs.importP90Ms),
    reference: ms(coldFloor.importP90Ms),
    ratio: ratioText(coldOurs.importP90Ms / coldFloor.importP90Ms),
    budget: '',
    status: '',
  },
  {
    section: '2 cold start',
    metric: 'whole process (node start-up + import + exit)',
    ours: ms(coldOurs.processMedianMs),
    reference: ms(coldFloor.processMedianMs),
    ratio: ratioText(coldOurs.processMedianMs / coldFloor.processMedianMs),
    budget: '',
    status: '',
  },
  {
    section: '2 cold start',
    metric: 'RSS after import',
    ours: mb(coldOurs.rssAfterImportBytes),
    reference: mb(coldFloor.rssAfterImportBytes),
    ratio: ratioText(coldOurs.rssAfterImportBytes / coldFloor.rssAfterImportBytes),
    budget: '',
    status: '',
  },
);

// 3 + 4. Calls per outcome and handler overhead against moto_server ---------------------------------------------
progress(
  `3/7 AWS calls per outcome against moto_server; 4/7 overhead over ${OVERHEAD_CYCLES * 5} warm events`,
);
const moto = await startMotoServer();
let motoResult: Awaited<ReturnType<typeof motoBench>>;
try {
  motoResult = await motoBench(moto.endpoint, OVERHEAD_CYCLES);
} finally {
  await moto.stop();
}
for (const row of motoResult.calls) {
  const outcomeOk = sameOutcomes(row.outcome, row.expectedOutcome);
  const extraCalls = Object.entries(row.extra).map(([command, count]) => `+${count} ${command}`);
  const missingCalls = Object.entries(row.missing).map(([command, count]) => `-${count} ${command}`);
  const equal = extraCalls.length === 0 && missingCalls.length === 0;
  rows.push({
    section: '3 calls/event',
    metric: row.scenario,
    ours: `${row.calls.length}${equal ? '' : ` (${[...extraCalls, ...missingCalls].join(', ')})`}`,
    reference: String(row.floor.length),
    ratio: '',
    budget: '= floor',
    status: status(equal && outcomeOk),
  });
  if (!outcomeOk)
    notes.push(`3 calls: "${row.scenario}" ended as ${row.outcome}, expected ${row.expectedOutcome}.`);
}
notes.push(
  ...motoResult.calls.map(
    (row) => `3 calls: ${row.scenario}: ${row.calls.join(' > ') || '(none)'} [floor: ${row.floorWhy}]`,
  ),
);
const overhead = motoResult.overhead;
rows.push(
  {
    section: '4 overhead',
    metric: `handler minus AWS calls, median of ${overhead.events}`,
    ours: ms(overhead.medianMs, 2),
    reference: '',
    ratio: '',
    budget: `<= ${BUDGET.overheadMedianMs} ms`,
    status: status(overhead.medianMs <= BUDGET.overheadMedianMs),
  },
  {
    section: '4 overhead',
    metric: 'handler minus AWS calls, p99',
    ours: ms(overhead.p99Ms, 2),
    reference: '',
    ratio: '',
    budget: '',
    status: '',
  },
  {
    section: '4 overhead',
    metric: 'overhead / AWS-call time (all events)',
    ours: ratioText(overhead.ratioToAws),
    reference: `AWS median ${ms(overhead.medianAwsMs)}`,
    ratio: '',
    budget: '',
    status: '',
  },
  ...Object.entries(overhead.byOutcome).map(([outcome, stats]) => ({
    section: '4 overhead',
    metric: `  ${outcome} (${stats.events}): median / p99`,
    ours: `${ms(stats.medianMs, 2)} / ${ms(stats.p99Ms, 2)}`,
    reference: `AWS ${ms(stats.medianAwsMs)}`,
    ratio: '',
    budget: '',
    status: '' as const,
  })),
);
if (overhead.unexpectedOutcomes > 0)
  notes.push(`4 overhead: ${overhead.unexpectedOutcomes} events ended unexpectedly.`);

// 5. Sweep scale -------------------------------------------------------------------------------------------------
progress(`5/7 sweep scale with aws-sdk-client-mock answering after ${SWEEP_LATENCY_MS} ms`);
const sweep = await sweepScale(SWEEP_SIZES, SWEEP_LATENCY_MS);
for (const row of sweep) {
  const what =
    row.dimension === 'regions'
      ? `${row.size} Region(s), ${row.size} concurrent sweeps, ${row.drifted} drifted`
      : `${row.size} detector(s) in 1 Region, C=${row.concurrency}, ${row.drifted} drifted`;
  rows.push({
    section: '5 sweep',
    metric: `${what} (${row.calls} calls)`,
    ours: `${ms(row.wallMs, 0)} (CPU ${ms(row.cpuMs, 0)})`,
    reference: ms(row.idealMs, 0),
    ratio: ratioText(row.ratio),
    budget: `<= ${BUDGET.sweepRatio}x`,
    status: status(row.ratio <= BUDGET.sweepRatio),
  });
}

// 6. Peak memory -------------------------------------------------------------------------------------------------
progress(`6/7 peak RSS of a process handling ${RSS_EVENTS} events (bundled, mocked AWS)`);
const rssBundlePath = join(DIST_DIR, 'rss-child.mjs');
await build(deployedBuildOptions('bench/rss-child.ts', rssBundlePath));
const rssOut = join(DIST_DIR, 'rss-result.json');
await new Promise<void>((resolve) => {
  const env = {
    PATH: process.env.PATH ?? '',
    ...FUNCTION_ENV,
    BENCH_RSS_OUT: rssOut,
    BENCH_RSS_EVENTS: String(RSS_EVENTS),
  };
  // Logs are discarded (Lambda would ship them to CloudWatch Logs); the child reports through BENCH_RSS_OUT.
  execFile(process.execPath, [rssBundlePath], { env, maxBuffer: 256 * 1024 * 1024 }, () => resolve());
});
const memory = JSON.parse(readFileSync(rssOut, 'utf8')) as {
  error?: string;
  events: number;
  outcomes: Record<string, number>;
  elapsedMs: number;
  rssBeforeImport: number;
  rssAfterImport: number;
  rssEnd: number;
  heapUsedEnd: number;
  peakRss: number;
};
if (memory.error) throw new Error(`section 6 child failed: ${memory.error}`);
rows.push(
  {
    section: '6 memory',
    metric: `peak RSS after ${memory.events} events`,
    ours: mb(memory.peakRss),
    reference: '',
    ratio: '',
    budget: '',
    status: '',
  },
  {
    section: '6 memory',
    metric: 'RSS after import / at end; heap used at end',
    ours: `${mb(memory.rssAfterImport)} / ${mb(memory.rssEnd)}; ${mb(memory.heapUsedEnd)}`,
    reference: '',
    ratio: '',
    budget: '',
    status: '',
  },
);
notes.push(
  `6 memory: outcomes ${Object.entries(memory.outcomes)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ')}; ${(memory.elapsedMs / memory.events).toFixed(2)} ms per event with AWS mocked.`,
);

// 7. Organization sweep ------------------------------------------------------------------------------------------
progress(
  `7/7 organization sweep of ${ORG_SCENARIOS[0]?.members ?? 0} members, ${ORG_SCENARIOS.length} scenarios, one process each`,
);
const organization = await organizationRows();
rows.push(...organization.rows);
notes.push(...organization.notes);

// Output ---------------------------------------------------------------------------------------------------------
const durationMs = performance.now() - benchStarted;
const machine = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  loadAverage1m: round(loadavg()[0] ?? 0),
};
const budgets = rows
  .filter((row) => row.status !== '')
  .map((row) => ({ check: `${row.section}: ${row.metric}`, budget: row.budget, status: row.status }));
const results = {
  generatedAt: new Date().toISOString(),
  machine,
  durationMs: round(durationMs, 0),
  bundle: {
    ours: { ...ours, packages: ours.packages.slice(0, 15) },
    floor: { ...floor, packages: floor.packages.slice(0, 15) },
    floorWithDynamoDb: { ...floorState, packages: floorState.packages.slice(0, 15) },
    ratio: round(bundleRatio, 3),
    gzipRatio: round(gzipRatio, 3),
    oursMinusFloorByPackage: extra.slice(0, 15),
  },
  coldStart: {
    method:
      'performance.now() around `await import(bundle)` inside a fresh `node` per sample, variants interleaved',
    ours: coldOurs,
    floor: coldFloor,
    floorWithDynamoDb: coldFloorState,
    ratio: round(coldRatio, 3),
    ratioMethod: 'median over rounds of ours/floor within the round (paired)',
    ratioOfMedians: round(coldOurs.importMedianMs / coldFloor.importMedianMs, 3),
    ratioVsFloorWithDynamoDb: round(coldRatioState, 3),
  },
  callsPerOutcome: motoResult.calls,
  overhead,
  sweep: { latencyMs: SWEEP_LATENCY_MS, rows: sweep },
  memory,
  organization: organization.results,
  budgets,
  rows,
  notes,
};
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

const missed = budgets.filter((budget) => budget.status === 'MISS').length;
process.stdout.write(
  [
    `guardduty-drift-responder benchmark — ${results.generatedAt}`,
    `node ${machine.node}, ${machine.cpus} CPU (${machine.cpuModel}), load average ${machine.loadAverage1m}`,
    '',
    renderTable(rows),
    '',
    ...notes.map((note) => `- ${note}`),
    '',
    `${budgets.length - missed} budget(s) PASS, ${missed} MISS; ${(durationMs / 1000).toFixed(1)} s; ` +
      'figures in bench/results/latest.json',
    '',
  ].join('\n'),
);
