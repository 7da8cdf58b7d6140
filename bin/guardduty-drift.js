#!/usr/bin/env node
// Launcher for the `guardduty-drift` command: runs the CLI as built to JavaScript by `npm run build` (which `npm ci`
// and `npm pack` run through `prepare`). No TypeScript runner is involved, so it works from the packed tarball
// installed with `--omit=dev`.
const BUILT = new URL('../dist/guardduty-drift.js', import.meta.url);

try {
  await import(BUILT.href);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(BUILT.pathname)) throw error;
  process.stderr.write(
    `guardduty-drift: the CLI is not built (${BUILT.pathname} is missing); run \`npm ci\` or \`npm run build\` in the repository\n`,
  );
  process.exitCode = 3;
}
