import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { describe, expect, inject, it } from 'vitest';
import { createDetector, motoClients, PROTECTED_RUNTIME } from '../support/moto-aws.js';

// The real wiring, as `npx guardduty-drift` runs it: the JS launcher registers tsx in a new Node process, the SDK
// finds moto_server through AWS_ENDPOINT_URL, and the exit code reaches the shell.
const motoEndpoint = inject('motoEndpoint');
const LAUNCHER = fileURLToPath(new URL('../../bin/guardduty-drift.js', import.meta.url));

interface Spawned {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Spawned> {
  return new Promise((resolve) => {
    execFile(process.execPath, [LAUNCHER, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const withMoto = (): NodeJS.ProcessEnv => ({ ...process.env, AWS_ENDPOINT_URL: motoEndpoint });

describe('bin/guardduty-drift.js', () => {
  it('exits 0 for a compliant Region and 1 once runtime monitoring is switched off', async () => {
    const region = 'ap-southeast-7';
    const clients = motoClients(motoEndpoint, region);
    const detectorId = await createDetector(clients, PROTECTED_RUNTIME);

    const compliant = await spawnCli(['check', '--region', region], withMoto());
    await clients.guardDuty.send(
      new UpdateDetectorCommand({
        DetectorId: detectorId,
        Features: [{ Name: 'RUNTIME_MONITORING', Status: 'DISABLED' }],
      }),
    );
    const drifted = await spawnCli(['check', '--region', region, '--json'], withMoto());

    expect(compliant).toMatchObject({ code: 0 });
    expect(compliant.stdout).toMatch(new RegExp(`${detectorId}.*COMPLIANT`));
    expect(drifted.code).toBe(1);
    expect(JSON.parse(drifted.stdout)).toMatchObject({ exitCode: 1, summary: { nonCompliant: 1 } });
  });

  it('exits 3 with a clear message when no credentials can be found', async () => {
    const env: NodeJS.ProcessEnv = {
      ...withMoto(),
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ]) {
      delete env[name];
    }

    const run = await spawnCli(['check', '--region', 'us-east-1'], env);

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('guardduty-drift: no AWS credentials found; set AWS_PROFILE');
    expect(run.stdout).toBe('');
  });

  it('exits 2 on a usage error and 0 on --help, which shows the real AWS CLI call', async () => {
    const [usage, help] = await Promise.all([
      spawnCli(['enable', '--generation', 'both'], withMoto()),
      spawnCli(['enable', '--help'], withMoto()),
    ]);

    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--generation: expected "runtime" (RUNTIME_MONITORING) or "eks"');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('aws guardduty update-detector --region R --detector-id ID');
    expect(help.stdout).not.toContain('--eks-configuration Monitoring');
  });
});
