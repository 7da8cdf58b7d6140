import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDetector, motoClients, PROTECTED_RUNTIME } from '../support/moto-aws.js';

// The CLI as an operator gets it: `npm pack` in the repository (which builds dist/ through `prepare`), the tarball
// installed into an empty folder with --omit=dev and no network, then `npx --no-install guardduty-drift` there. The
// exit codes reach the shell through a real process; the SDK finds moto_server through AWS_ENDPOINT_URL.
const motoEndpoint = inject('motoEndpoint');
const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment without npm's own variables: a parent `npm test` sets npm_config_* (the prefix among them), which
 * would point the nested npm at the repository instead of the temporary folder.
 */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name) && name !== 'INIT_CWD') env[name] = value;
  }
  return { ...env, ...extra };
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, [...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let workDir: string;
let installDir: string;
let packed: { filename: string; files: { path: string }[]; size: number };
let install: Run;

/** `npx --no-install guardduty-drift ARGS` in the folder the tarball was installed into. */
const cli = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  run('npx', ['--no-install', 'guardduty-drift', ...args], installDir, cleanEnv(env));
const withMoto = { AWS_ENDPOINT_URL: motoEndpoint };

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'guardduty-drift-pack-'));
  installDir = join(workDir, 'operator');
  const pack = await run('npm', ['pack', '--json', '--pack-destination', workDir], REPO, cleanEnv());
  if (pack.code !== 0) throw new Error(`npm pack failed (${pack.code}):\n${pack.stderr}`);
  const [result] = JSON.parse(pack.stdout) as (typeof packed)[];
  if (result === undefined) throw new Error(`npm pack reported no package:\n${pack.stdout}`);
  packed = result;
  // An empty folder, no dev dependencies, and --offline: npm may not fetch anything, so none may be needed.
  await mkdir(installDir);
  install = await run(
    'npm',
    ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', join(workDir, packed.filename)],
    installDir,
    cleanEnv(),
  );
}, 120_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('The packed CLI', () => {
  it('holds the built CLI and its launcher only: no sources, tests, benchmarks or infrastructure', () => {
    const paths = packed.files.map((file) => file.path).sort();

    expect(paths).toEqual([
      'README.md',
      'bin/guardduty-drift.js',
      'dist/THIRD-PARTY-LICENSES.txt',
      'dist/guardduty-drift.js',
      'package.json',
    ]);
  });

  it('installs offline into an empty folder as one package, with nothing else to fetch', async () => {
    expect(install.code, install.stderr).toBe(0);
    const modules = (await readdir(join(installDir, 'node_modules'))).filter((name) => !name.startsWith('.'));
    expect(modules).toEqual(['guardduty-drift-responder']);
    const manifest = JSON.parse(
      await readFile(join(installDir, 'node_modules/guardduty-drift-responder/package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string> };
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('runs --help and --version without any dev dependency', async () => {
    const [help, version] = await Promise.all([cli(['--help']), cli(['--version'])]);

    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: guardduty-drift <command> [options]');
    expect(version).toMatchObject({ code: 0, stdout: 'guardduty-drift 0.1.0\n' });
  });

  it('exits 0 for a compliant Region and 1 once runtime monitoring is switched off', async () => {
    const region = 'ap-southeast-7';
    const clients = motoClients(motoEndpoint, region);
    const detectorId = await createDetector(clients, PROTECTED_RUNTIME);

    const compliant = await cli(['check', '--region', region], withMoto);
    await clients.guardDuty.send(
      new UpdateDetectorCommand({
        DetectorId: detectorId,
        Features: [{ Name: 'RUNTIME_MONITORING', Status: 'DISABLED' }],
      }),
    );
    const drifted = await cli(['check', '--region', region, '--json'], withMoto);

    expect(compliant.code, compliant.stderr).toBe(0);
    expect(compliant.stdout).toMatch(new RegExp(`${detectorId}.*COMPLIANT`));
    expect(drifted.code).toBe(1);
    expect(JSON.parse(drifted.stdout)).toMatchObject({ exitCode: 1, summary: { nonCompliant: 1 } });
  });

  it('finds moto through --endpoint-url as well as through AWS_ENDPOINT_URL', async () => {
    const region = 'ap-southeast-7';

    const run = await cli(['check', '--region', region, '--endpoint-url', motoEndpoint, '--json']);

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ summary: { regions: 1, regionErrors: 0 } });
  });

  it('exits 3 with a clear message, and one JSON document with --json, when no credentials can be found', async () => {
    const env: NodeJS.ProcessEnv = {
      ...withMoto,
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const unset = [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ];
    const base = cleanEnv(env);
    for (const name of unset) delete base[name];
    const noCredentials = (args: readonly string[]) =>
      run('npx', ['--no-install', 'guardduty-drift', ...args], installDir, base);

    const [text, json] = await Promise.all([
      noCredentials(['check', '--region', 'us-east-1']),
      noCredentials(['check', '--region', 'us-east-1', '--json']),
    ]);

    expect(text.code).toBe(3);
    expect(text.stderr).toContain('guardduty-drift: no AWS credentials found; set AWS_PROFILE');
    expect(text.stdout).toBe('');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      command: 'check',
      exitCode: 3,
      error: { kind: 'credentials', message: expect.stringContaining('no AWS credentials found') },
    });
  });

  it('exits 2 on a usage error and 0 on --help, which shows the real AWS CLI call', async () => {
    const [usage, help] = await Promise.all([
      cli(['enable', '--generation', 'both'], withMoto),
      cli(['enable', '--help'], withMoto),
    ]);

    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--generation: expected "runtime" (RUNTIME_MONITORING) or "eks"');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('aws guardduty update-detector --region R --detector-id ID');
    expect(help.stdout).not.toContain('--eks-configuration Monitoring');
  });
});
