/* The coverage demo (npm run demo:coverage) runs end to end and says that its ListCoverage is a loopback stand-in. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('Demo: npm run demo:coverage', () => {
  it('shows an unhealthy cluster paged once, the duplicate event ignored and the recovery, with the stand-in named', async () => {
    // Act: its own moto_server and stand-in, on loopback.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo-coverage.ts'], {
      cwd: ROOT,
      timeout: 60_000,
      env: Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_ENDPOINT_URL')),
      ),
    });

    // Assess
    expect(stdout).toContain('LOOPBACK STAND-IN for ListCoverage and GetCoverageStatistics');
    expect(stdout).toContain(
      'subject: [HIGH] 123456789012 us-east-1: 1 EKS cluster not protected; 1 newly excluded',
    );
    expect(stdout).toContain('$ aws eks update-addon --region us-east-1 --cluster-name payments-prod');
    expect(stdout).toContain('alerts published so far: 1');
    expect(stdout).toContain('EKS cluster payments-prod protected again (coverage HEALTHY)');
    expect(stdout).toMatch(/EksClustersUnhealthy\{Region=us-east-1\} = 1/);
    expect(stdout).toContain('came from the loopback stand-in');
  }, 90_000);
});
