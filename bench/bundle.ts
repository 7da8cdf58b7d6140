import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { DIST_DIR, ROOT } from './support.js';

/**
 * The esbuild options of the deployed function, as infra/responder/function.ts hands them to NodejsFunction: ESM, the
 * SDK bundled (no externals), minified, names kept, the createRequire banner so CommonJS dependencies can require
 * Node built-ins, and `module` before `main` so the SDK's ESM builds are picked.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __driftResponderCreateRequire } from 'node:module'; " +
  'const require = __driftResponderCreateRequire(import.meta.url);';

export function deployedBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    keepNames: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external: [],
    metafile: true,
    logLevel: 'warning',
  };
}

export interface PackageShare {
  readonly name: string;
  readonly bytes: number;
}

export interface BundleResult {
  readonly name: string;
  readonly entry: string;
  readonly path: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly buildMs: number;
  /** Minified bytes in the output per npm package (or `handlers` for our own code), largest first. */
  readonly packages: readonly PackageShare[];
}

export async function buildBundle(name: string, entry: string): Promise<BundleResult> {
  const path = join(DIST_DIR, `${name}.mjs`);
  const started = performance.now();
  const result = await build(deployedBuildOptions(entry, path));
  const buildMs = performance.now() - started;
  const code = readFileSync(path);
  return {
    name,
    entry,
    path,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    buildMs,
    packages: packageShares(result.metafile, path),
  };
}

/** `node_modules/@aws-sdk/client-sns/dist-es/x.js` → `@aws-sdk/client-sns`; our sources → their top folder. */
function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const scope = parts[at + 1] ?? '?';
    return scope.startsWith('@') ? `${scope}/${parts[at + 2] ?? '?'}` : scope;
  }
  return parts[0] === 'handlers' || parts[0] === 'bench' ? parts[0] : input;
}

function packageShares(metafile: Metafile | undefined, outfile: string): PackageShare[] {
  const output = Object.entries(metafile?.outputs ?? {}).find(([file]) => join(ROOT, file) === outfile)?.[1];
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Packages of `ours` by how many more bytes they take than in `floor` (new packages count in full). */
export function extraOver(ours: BundleResult, floor: BundleResult): PackageShare[] {
  const floorBytes = new Map(floor.packages.map((share) => [share.name, share.bytes]));
  return ours.packages
    .map((share) => ({ name: share.name, bytes: share.bytes - (floorBytes.get(share.name) ?? 0) }))
    .filter((share) => share.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}
