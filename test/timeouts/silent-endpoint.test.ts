import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CLI_TIMEOUTS } from '../../cli/aws.js';
import { GUARDDUTY_MAX_ATTEMPTS, GUARDDUTY_TIMEOUTS } from '../../handlers/clients.js';
import { lambdaContext, retarget, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { type Handler, loadHandler } from '../support/handler-loader.js';
import { responderEnv } from '../support/mocked-responder.js';
import { type SilentServer, startSilentServer } from '../support/silent-server.js';

// No call can hang. Every endpoint here is a loopback server that accepts the connection and never answers: before
// the timeouts threw, such a call waited until the Lambda's timeout killed the invocation, and `check` hung (200 s
// until killed, in the report that found it). Now both must give up on their own, well inside their bounds.
//
// The two tests wait on real timeouts (~26 s and ~18 s): they run concurrently, so the file costs the longer one.
const REGION = 'af-south-1';
/** The account scope's default Lambda timeout (infra/responder/props.ts): no test here may take longer. */
const ACCOUNT_SCOPE_TIMEOUT_MS = 60_000;
const ENTRY = fileURLToPath(new URL('../../bin/guardduty-drift.ts', import.meta.url));

let silent: SilentServer;
beforeAll(async () => {
  silent = await startSilentServer();
});
afterAll(async () => {
  await silent.close();
});

/** The names along an error's cause chain. */
function causeNames(error: unknown): string[] {
  const names: string[] = [];
  for (let current = error; current instanceof Error && names.length < 10; current = current.cause) {
    names.push(current.name);
  }
  return names;
}

/** Invokes and settles: resolves with the rejection reason, or with an error saying the invocation succeeded. */
async function rejection(handler: Handler, event: unknown): Promise<unknown> {
  try {
    const result = await handler(event, lambdaContext(REGION));
    return new Error(`the invocation succeeded against a silent endpoint: ${JSON.stringify(result)}`);
  } catch (error) {
    return error;
  }
}

async function coldStart(overrides: Record<string, string | undefined>): Promise<Handler> {
  return loadHandler(responderEnv({ AWS_REGION: REGION, AWS_ENDPOINT_URL: silent.endpoint, ...overrides }));
}

interface Run {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI from its sources in a process of its own (a socket or timer left behind would keep it alive). */
function spawnCli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ENTRY, ...args],
      { env: { ...process.env, AWS_ENDPOINT_URL: undefined }, timeout: ACCOUNT_SCOPE_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : (error.signal ?? -1)) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe.concurrent('An endpoint that accepts the connection and never answers', () => {
  it('bounds the GuardDuty retries well inside the account scope timeout', ({ expect }) => {
    // The arithmetic of handlers/clients.ts, kept honest: all attempts plus under 1 s of backoff, under half of 60 s.
    const worstCaseMs = GUARDDUTY_MAX_ATTEMPTS * GUARDDUTY_TIMEOUTS.requestTimeout + 1_000;

    expect(GUARDDUTY_TIMEOUTS.throwOnRequestTimeout).toBe(true);
    expect(CLI_TIMEOUTS.throwOnRequestTimeout).toBe(true);
    expect(worstCaseMs).toBeLessThan(ACCOUNT_SCOPE_TIMEOUT_MS / 2);
  });

  it(
    'makes the handler reject a sweep and a change event, in account and organization scope, instead of hanging',
    async ({ expect }) => {
      // Prepare: one cold start per scope; each keeps its own module-scope config and clients.
      const account = await coldStart({});
      const organization = await coldStart({ RESPONDER_SCOPE: 'organization' });
      const change = retarget(syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'), {
        region: REGION,
        eventId: 'silent-endpoint-change',
      });

      // Act: all three at once, so the test waits for the slowest, not the sum.
      const failures = await Promise.all([
        rejection(account, sweepEvent(REGION, 'silent-endpoint-sweep')),
        rejection(account, change),
        rejection(organization, sweepEvent(REGION, 'silent-endpoint-organization-sweep')),
      ]);

      // Assess: each failed with the SDK's request timeout in its cause chain (so Lambda retries the event).
      for (const error of failures) expect(causeNames(error)).toContain('TimeoutError');
    },
    // The bound: the account scope's own timeout. A hung call runs into it (with throwOnRequestTimeout off, it does).
    ACCOUNT_SCOPE_TIMEOUT_MS,
  );

  it(
    'makes `check` exit 3 with a message that names the endpoint, the timeout and the attempts',
    async ({ expect }) => {
      const region = 'us-east-1';
      const args = ['check', '--region', region, '--endpoint-url', silent.endpoint];

      const [text, json] = await Promise.all([spawnCli(args), spawnCli([...args, '--json'])]);

      const seconds = CLI_TIMEOUTS.requestTimeout / 1000;
      const message = `guardduty:ListDetectors in ${region}: no answer from ${silent.endpoint} within ${seconds} s (3 attempts)`;
      expect(text.code, text.stderr).toBe(3);
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
    },
    ACCOUNT_SCOPE_TIMEOUT_MS + 5_000,
  );
});
