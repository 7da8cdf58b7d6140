import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { FUNCTION_ENV } from './support.js';

/**
 * Runs in a fresh `node` (no tsx, no loader hooks): times `await import(bundle)`, i.e. loading, parsing and running
 * the module scope (config, logger, SDK clients; no AWS call), with performance.now() inside the process.
 */
const CHILD_SOURCE = [
  'const started = performance.now();',
  'await import(process.env.BENCH_BUNDLE_URL);',
  'const importMs = performance.now() - started;',
  'process.stdout.write(JSON.stringify({ importMs, rssBytes: process.memoryUsage().rss }));',
].join('\n');

export interface ColdStartSample {
  /** Inside the child: `await import(bundle)` start to end. */
  readonly importMs: number;
  /** Outside: spawn to exit of the whole process (Node start-up + import + exit), for reference. */
  readonly processMs: number;
  /** Resident set size right after the import. */
  readonly rssBytes: number;
}

export interface ColdStartVariant {
  readonly name: string;
  readonly path: string;
}

function runOnce(bundlePath: string): Promise<ColdStartSample> {
  // A clean environment: only what Lambda would set, so no NODE_OPTIONS or loader of the parent leaks in.
  const env = {
    PATH: process.env.PATH ?? '',
    ...FUNCTION_ENV,
    AWS_REGION: 'us-east-1',
    BENCH_BUNDLE_URL: pathToFileURL(bundlePath).href,
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD_SOURCE],
      { env },
      (error, stdout, stderr) => {
        const processMs = performance.now() - started;
        if (error) {
          reject(new Error(`cold-start child failed for ${bundlePath}: ${stderr || error.message}`));
          return;
        }
        const parsed = JSON.parse(stdout) as { importMs: number; rssBytes: number };
        resolve({ importMs: parsed.importMs, rssBytes: parsed.rssBytes, processMs });
      },
    );
  });
}

/**
 * `rounds` fresh processes per variant, one at a time, the variants interleaved (A B C A B C ...) so that a noisy
 * moment on the machine hits all of them alike. One untimed round first warms the OS file cache.
 */
export async function measureColdStarts(
  variants: readonly ColdStartVariant[],
  rounds: number,
): Promise<Map<string, ColdStartSample[]>> {
  for (const variant of variants) await runOnce(variant.path);
  const samples = new Map<string, ColdStartSample[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    // Rotate the order every round as well, so no variant always runs right after another.
    for (let offset = 0; offset < variants.length; offset += 1) {
      const variant = variants[(round + offset) % variants.length];
      if (variant === undefined) continue;
      samples.get(variant.name)?.push(await runOnce(variant.path));
    }
  }
  return samples;
}
