import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUARDDUTY_MAX_ATTEMPTS, GUARDDUTY_TIMEOUTS } from '../../handlers/clients.js';
import { lambdaContext, retarget, sweepEvent, syntheticFixture } from '../support/fixtures.js';
import { type Handler, loadHandler } from '../support/handler-loader.js';
import { responderEnv } from '../support/mocked-responder.js';
import { type SilentServer, startSilentServer } from '../support/silent-server.js';

// Every AWS endpoint of the function is a loopback server that accepts the connection and never answers. Before the
// timeouts threw, such a call waited until the Lambda's own timeout killed the invocation; now the invocation must
// reject (so Lambda retries it, then dead-letters it) well inside that timeout.
const REGION = 'af-south-1';
/** The account scope's default Lambda timeout (infra/responder/props.ts): the test may not take longer. */
const ACCOUNT_SCOPE_TIMEOUT_MS = 60_000;

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

/** Invokes and settles: resolves with the rejection reason, or fails the test if the invocation succeeded. */
async function rejection(handler: Handler, event: unknown): Promise<unknown> {
  try {
    const result = await handler(event, lambdaContext(REGION));
    throw new Error(`the invocation succeeded against a silent endpoint: ${JSON.stringify(result)}`);
  } catch (error) {
    return error;
  }
}

async function coldStart(overrides: Record<string, string | undefined>): Promise<Handler> {
  return loadHandler(responderEnv({ AWS_REGION: REGION, AWS_ENDPOINT_URL: silent.endpoint, ...overrides }));
}

describe('Function: handler against an endpoint that never answers', () => {
  it('sizes the GuardDuty retries to end well inside the account scope timeout', () => {
    // The arithmetic of handlers/clients.ts, kept honest: all attempts plus under 1 s of backoff, under half of 60 s.
    const worstCaseMs = GUARDDUTY_MAX_ATTEMPTS * GUARDDUTY_TIMEOUTS.requestTimeout + 1_000;

    expect(GUARDDUTY_TIMEOUTS.throwOnRequestTimeout).toBe(true);
    expect(worstCaseMs).toBeLessThan(ACCOUNT_SCOPE_TIMEOUT_MS / 2);
  });

  it(
    'rejects a sweep and a change event, in account and organization scope, instead of hanging',
    async () => {
      // Prepare: one cold start per scope; each keeps its own module-scope config and clients.
      const account = await coldStart({});
      const organization = await coldStart({ RESPONDER_SCOPE: 'organization' });
      const change = retarget(syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'), {
        region: REGION,
        eventId: 'silent-endpoint-change',
      });

      // Act: all three at once, so the test waits for the slowest, not the sum.
      const [sweep, event, organizationSweep] = await Promise.all([
        rejection(account, sweepEvent(REGION, 'silent-endpoint-sweep')),
        rejection(account, change),
        rejection(organization, sweepEvent(REGION, 'silent-endpoint-organization-sweep')),
      ]);

      // Assess: each failed with the SDK's request timeout somewhere in its cause chain, after reaching the server.
      for (const error of [sweep, event, organizationSweep]) {
        expect(causeNames(error)).toContain('TimeoutError');
      }
      expect(silent.connections()).toBeGreaterThanOrEqual(3);
    },
    // The bound: the account scope's own timeout. A hung call would run into it (the old behaviour).
    ACCOUNT_SCOPE_TIMEOUT_MS,
  );
});
