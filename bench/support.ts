import { type ExecFileOptions, execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createClients } from '../handlers/clients.js';
import { JsonLogger } from '../handlers/logger.js';
import { type SpawnedStub, spawnStub } from '../test/support/stub-client.js';
import type { StubOptions } from '../test/support/stub-server.js';
import { deployedBuildOptions } from './bundle.js';

/** Paths and constants shared by the benchmark sections. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
export const DIST_DIR = join(RESULTS_DIR, 'dist');
export const ACCOUNT_ID = '123456789012';
export const FUNCTION_NAME = 'guardduty-drift-responder';
/** The execution role of the own-event fixture (test/fixtures/UpdateDetector.responder-own-enable.synthetic.json). */
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/GuardDutyDriftResponderRole`;
export const TABLE_NAME = 'drift-state';
export const NAMESPACE = 'GuardDutyDriftResponder';

/** What the Lambda environment gives the function: dummy credentials, never real ones. */
export const FUNCTION_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NOTIFICATION_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:t`,
  STATE_TABLE_NAME: TABLE_NAME,
  METRIC_NAMESPACE: NAMESPACE,
  LOG_LEVEL: 'INFO',
  RESPONDER_ROLE_ARN: ROLE_ARN,
} as const;

/** Sets the offline SDK environment for this process (no profile, no real credentials, no version nag). */
export function useOfflineEnv(region: string, endpoint: string): void {
  Object.assign(process.env, FUNCTION_ENV, { AWS_REGION: region, AWS_ENDPOINT_URL: endpoint });
  delete process.env.AWS_PROFILE;
}

/**
 * The responder's own SDK clients (handlers/clients.ts, every setting as deployed) pinned to one Region: they are
 * built while AWS_REGION names it and their Region provider is resolved at once (the SDK memoizes it), so several
 * Regions' responders can share this process the way separate functions would not.
 */
export async function clientsFor(region: string): Promise<ReturnType<typeof createClients>> {
  const previous = process.env.AWS_REGION;
  process.env.AWS_REGION = region;
  try {
    const clients = createClients();
    await Promise.all(Object.values(clients).map((client) => client.config.region()));
    return clients;
  } finally {
    process.env.AWS_REGION = previous;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface Spread {
  readonly n: number;
  readonly median: number;
  /** Distribution-free 95% confidence interval of the median (order statistics; exact binomial ranks). */
  readonly low: number;
  readonly high: number;
}

/** The median of a sample with its 95% confidence interval (n ≥ 6; below that the range is reported). */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // Ranks j < k with P(B(n, 1/2) in [j, k-1]) ≥ 95%: the usual normal approximation of the binomial.
  const half = 1.96 * Math.sqrt(n) * 0.5;
  const j = Math.max(1, Math.floor(n / 2 - half));
  const k = Math.min(n, Math.ceil(n / 2 + half) + 1);
  return {
    n,
    median: median(sorted),
    low: n >= 6 ? (sorted[j - 1] ?? Number.NaN) : (sorted[0] ?? Number.NaN),
    high: n >= 6 ? (sorted[k - 1] ?? Number.NaN) : (sorted[n - 1] ?? Number.NaN),
  };
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * The logger the function uses, at the deployed level (INFO), formatting every line as in Lambda but writing it to
 * a sink instead of the terminal: the JSON work stays in the measurement, the noise leaves the output.
 */
export function sinkLogger(): JsonLogger {
  return new JsonLogger(FUNCTION_NAME, 'INFO', () => undefined);
}

/** Builds an entry like the Lambda's bundle (ESM, minified, SDK inside) into DIST_DIR; returns its path. */
export async function bundleChild(entry: string, name: string): Promise<string> {
  const outfile = join(DIST_DIR, `${name}.mjs`);
  await build({ ...deployedBuildOptions(entry, outfile), metafile: false });
  return outfile;
}

let stubBundle: Promise<string> | undefined;

/**
 * Raises a process's scheduling priority (we run as root here; elsewhere it stays as it is, and says so): the
 * organization lanes that mostly wait run beside the CPU-heavy sections, and their timers must not wait for a core.
 */
export function raisePriority(pid: number | undefined, notes: Set<string>): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, PRIORITY);
  } catch (error) {
    notes.add(
      `could not raise the priority of the background lanes (${error instanceof Error ? error.message : error})`,
    );
  }
}
const PRIORITY = -10;
export const priorityNotes = new Set<string>();

/** A loopback stub server in its own process (test/support/stub-server.ts), so its CPU is not the responder's. */
export async function startStub(options: StubOptions = {}, raised = false): Promise<SpawnedStub> {
  stubBundle ??= bundleChild('test/support/stub-server-main.ts', 'stub-server');
  const stub = await spawnStub(await stubBundle, { maxLifetimeMs: 10 * 60_000, ...options });
  if (raised) raisePriority(stub.process.pid, priorityNotes);
  return stub;
}

export interface ChildOutcome<T> {
  readonly result: T | undefined;
  /** Set when the child was stopped at its deadline or failed. */
  readonly stopped: { readonly afterMs: number; readonly why: string } | undefined;
}

/**
 * Runs a bundled child with `node`, a clean environment plus `env`, and reads the JSON it writes to BENCH_OUT. A
 * child still running at `deadlineMs` is killed: the caller reports that, it does not wait.
 */
export function runChild<T>(
  bundlePath: string,
  env: Record<string, string>,
  options: { deadlineMs?: number; nodeArgs?: readonly string[]; raised?: boolean } = {},
): Promise<ChildOutcome<T>> {
  const out = join(DIST_DIR, `out-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const started = performance.now();
  const execOptions: ExecFileOptions = {
    env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV, ...env, BENCH_OUT: out },
    maxBuffer: 64 * 1024 * 1024,
    ...(options.deadlineMs ? { timeout: Math.ceil(options.deadlineMs), killSignal: 'SIGKILL' as const } : {}),
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...(options.nodeArgs ?? []), bundlePath],
      execOptions,
      (error, _out, stderr) => {
        const afterMs = performance.now() - started;
        try {
          const parsed = JSON.parse(readFileSync(out, 'utf8')) as T & { error?: string };
          rmSync(out, { force: true });
          if (parsed.error) resolve({ result: undefined, stopped: { afterMs, why: parsed.error } });
          else resolve({ result: parsed, stopped: undefined });
        } catch {
          const why = error?.killed
            ? `stopped at its deadline (${(afterMs / 1000).toFixed(1)} s)`
            : `failed: ${String(stderr).slice(0, 400) || error?.message}`;
          resolve({ result: undefined, stopped: { afterMs, why } });
        }
      },
    );
  });
}

/** Writes a child's result (or its error) where runChild reads it. */
export async function childMain(main: () => Promise<unknown>): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  const out = process.env.BENCH_OUT ?? '';
  try {
    writeFileSync(out, JSON.stringify(await main()));
  } catch (error) {
    writeFileSync(
      out,
      JSON.stringify({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
    process.exitCode = 1;
  }
}
