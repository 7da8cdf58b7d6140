// Builds the operator CLI into one JavaScript file, dist/guardduty-drift.js, that bin/guardduty-drift.js runs.
// Run by `npm run build`, and by `prepare`, so `npm ci`, `npm install` and `npm pack` all build it. Plain JavaScript
// on purpose: it needs no TypeScript runner, only esbuild (a devDependency).
//
// The SDK, zod and the responder's own modules are bundled in, so the package has no runtime dependencies: an
// install from the packed tarball copies one file and fetches nothing, while the repository's devDependencies keep
// what the CDK app and the tests need.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = fileURLToPath(new URL('../dist/guardduty-drift.js', import.meta.url));
const noticesFile = fileURLToPath(new URL('../dist/THIRD-PARTY-LICENSES.txt', import.meta.url));

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (error) {
  // `npm ci --omit=dev` in a clone runs `prepare` without the devDependencies: say so and leave the install alone.
  // The CLI then needs a full `npm ci`; operators install the packed tarball, which carries the build.
  process.stderr.write(
    `guardduty-drift build skipped: esbuild is not installed (${error instanceof Error ? error.message.split('\n')[0] : error}).\n` +
      'Run `npm ci` (with devDependencies) and `npm run build` to build the CLI.\n',
  );
  process.exit(0);
}

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['bin/guardduty-drift.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // The SDK's packages ship CommonJS that `require()`s Node built-ins: an ESM bundle needs a real `require`.
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  minify: true,
  // Errors are told apart by `name`, and stack traces stay readable.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

/** The packages whose code is in the bundle (inputs that kept bytes after tree shaking): `node_modules/(@scope/)name`. */
function bundledPackages(metafile) {
  const packages = new Set();
  const [output] = Object.values(metafile.outputs);
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    if (bytesInOutput === 0) continue;
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(input.slice(0, match.index + match[0].length - 1).replace(/^\//, ''));
  }
  return [...packages].sort();
}

// The bundle carries code of the SDK (Apache-2.0) and other packages: ship their licences beside it, each text once.
const byText = new Map();
for (const directory of bundledPackages(result.metafile)) {
  const manifest = JSON.parse(await readFile(join(root, directory, 'package.json'), 'utf8'));
  const licenceFile = (await readdir(join(root, directory))).find((name) => /^licen[cs]e/i.test(name));
  const text = licenceFile ? (await readFile(join(root, directory, licenceFile), 'utf8')).trim() : '';
  const names = byText.get(text) ?? [];
  names.push(`${manifest.name}@${manifest.version} (${manifest.license ?? 'licence not stated'})`);
  byText.set(text, names);
}
const sections = [...byText].map(
  ([text, names]) => `${names.join('\n')}\n\n${text || '(no licence file)'}\n`,
);
await writeFile(
  noticesFile,
  `Third-party code bundled into guardduty-drift.js\n\n${sections.join(`\n${'-'.repeat(78)}\n\n`)}`,
);

const { size } = await stat(outfile);
process.stderr.write(`built dist/guardduty-drift.js (${Math.round(size / 1024)} KiB)\n`);
