import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TIMEOUTS } from '../../cli/aws.js';
import { type SilentServer, startSilentServer } from '../support/silent-server.js';

// `check` against an endpoint that accepts the connection and never answers used to hang until it was killed (200 s
// in the report that found it): the SDK's requestTimeout only warned. It must now give up and exit 3 on its own, as a
// process (a socket or timer left behind would keep the process alive after main returned).
const ENTRY = fileURLToPath(new URL('../../bin/guardduty-drift.ts', import.meta.url));
/** Generous: three attempts of CLI_TIMEOUTS.requestTimeout take about 18 s. */
const BOUND_MS = 60_000;

let silent: SilentServer;
beforeAll(async () => {
  silent = await startSilentServer();
});
afterAll(async () => {
  await silent.close();
});

interface Run {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI from its sources in a process of its own, killed (code SIGTERM) if it outlives the bound. */
function spawnCli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ENTRY, ...args],
      { env: { ...process.env, AWS_ENDPOINT_URL: undefined }, timeout: BOUND_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : (error.signal ?? -1)) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('Command: check against an endpoint that never answers', () => {
  it(
    'exits 3 with a message that names the endpoint, the timeout and the attempts',
    async () => {
      const region = 'us-east-1';
      const args = ['check', '--region', region, '--endpoint-url', silent.endpoint];

      const [text, json] = await Promise.all([spawnCli(args), spawnCli([...args, '--json'])]);

      const seconds = CLI_TIMEOUTS.requestTimeout / 1000;
      const message = `guardduty:ListDetectors in ${region}: no answer from ${silent.endpoint} within ${seconds} s (3 attempts)`;
      expect(text.code).toBe(3);
      expect(text.stderr).toContain(
        `guardduty-drift: ${region}: ${message}; check the network, proxy or VPN`,
      );
      expect(text.stdout).toMatch(new RegExp(`^${region}\\s.*ERROR$`, 'm'));
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stdout)).toMatchObject({
        exitCode: 3,
        regions: [
          { region, status: 'error', errorKind: 'unreachable', error: expect.stringContaining(message) },
        ],
      });
      expect(silent.connections()).toBeGreaterThanOrEqual(6);
    },
    BOUND_MS + 5_000,
  );
});
