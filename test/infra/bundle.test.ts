import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../infra/config.js';
import { addResponderStacks } from '../../infra/stack.js';

process.env.CDK_VALIDATION = 'false';

const run = promisify(execFile);

// The only test that really runs esbuild (~1 s); every other test skips bundling.
describe('Function bundle (real esbuild run)', () => {
  let outdir: string;
  let bundle: string;
  let code: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'drift-responder-bundle-'));
    const app = new App({ outdir });
    const [stack] = addResponderStacks(app, loadAppConfig({ regions: ['eu-west-1'] }), undefined);
    if (stack === undefined) throw new Error('the app defined no stack');
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0];
    // The code asset's S3 key is "<hash>.zip"; the cloud assembly keeps it unzipped in "asset.<hash>".
    const s3Key = String(fn?.Properties?.Code?.S3Key);
    expect(s3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    bundle = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    code = readFileSync(bundle, 'utf8');
  }, 60_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('is one ESM file that starts with the createRequire banner', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(
      code.startsWith("import { createRequire as __driftResponderCreateRequire } from 'node:module';"),
    ).toBe(true);
  });

  it('carries its own AWS SDK: every module it imports is a Node.js built-in', () => {
    // Static `from"x"` and dynamic `import("x")` specifiers (minified code has no space before the quote).
    const specifiers = [
      ...code.matchAll(/\bfrom\s*["']([@\w./:-]+)["']|\bimport\(\s*["']([@\w./:-]+)["']\s*\)/g),
    ].map((match) => match[1] ?? match[2]);
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !specifier?.startsWith('node:'))).toEqual([]);
    expect(code.includes('GetDetectorCommand')).toBe(true);
    expect(code.includes('PutMetricDataCommand')).toBe(true);
  });

  it('is minified and stays under 1 MiB + 16 KiB', () => {
    // The budget was 1 MiB until the organization's member findings (Security Hub, about 6 KB minified) took main's
    // 1,045,702 bytes past it: 8 KiB more. The review fixes that keep every page a failing topic delays (the kept
    // list, its reduction and merge), the members setting and the one Region pattern took it to 1,057,356 bytes:
    // 16 KiB, so the next feature still has to argue for its bytes.
    expect(statSync(bundle).size).toBeLessThan(1024 * 1024 + 16 * 1024);
    // Minified: the bundle is a few very long lines, not one statement per line.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
  });

  it('imports in Node.js and exports the handler (no "Dynamic require" failure at load)', async () => {
    // Act: load it the way the runtime does, in a separate process, with the contract environment.
    const script = `import(${JSON.stringify(`file://${bundle}`)}).then((m) => console.log(typeof m.handler))`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:drift-alerts',
        STATE_TABLE_NAME: 'drift-responder-state',
      },
      timeout: 20_000,
    });

    // Assess
    expect(stdout.trim()).toBe('function');
  });
});
