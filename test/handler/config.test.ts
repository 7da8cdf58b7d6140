import { afterAll, describe, expect, it } from 'vitest';
import { mockAws } from '../support/aws-mocks.js';
import { loadHandler } from '../support/handler-loader.js';
import { responderEnv } from '../support/mocked-responder.js';

// Cold start builds SDK clients; mocked so that nothing could reach AWS even if a test got that far.
const aws = mockAws();

afterAll(() => {
  aws.guardDuty.restore();
  aws.sns.restore();
  aws.cloudWatch.restore();
  aws.dynamoDb.restore();
});

describe('Function: handler, configuration at cold start', () => {
  it.each([
    {
      problem: 'NOTIFICATION_TOPIC_ARN is missing',
      env: { NOTIFICATION_TOPIC_ARN: undefined },
      message: /NOTIFICATION_TOPIC_ARN is required \(the ARN of the SNS topic for alerts\)/,
    },
    {
      problem: 'NOTIFICATION_TOPIC_ARN is not an SNS topic ARN',
      env: { NOTIFICATION_TOPIC_ARN: 'alerts' },
      message:
        /NOTIFICATION_TOPIC_ARN expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts \(received "alerts"\)/,
    },
    {
      problem: 'RESPONDER_MODE is not one of the modes',
      env: { RESPONDER_MODE: 'auto' },
      message: /RESPONDER_MODE expected "remediate" or "notify" \(received "auto"\)/,
    },
    {
      problem: 'MAX_REMEDIATIONS_PER_HOUR is not a number',
      env: { MAX_REMEDIATIONS_PER_HOUR: 'three' },
      message: /MAX_REMEDIATIONS_PER_HOUR expected a whole number from 1 to 60 \(received "three"\)/,
    },
    {
      problem: 'MAX_REMEDIATIONS_PER_HOUR is zero',
      env: { MAX_REMEDIATIONS_PER_HOUR: '0' },
      message: /MAX_REMEDIATIONS_PER_HOUR expected a whole number from 1 to 60 \(received "0"\)/,
    },
    {
      problem: 'STATE_TABLE_NAME is missing',
      env: { STATE_TABLE_NAME: undefined },
      message: /STATE_TABLE_NAME is required/,
    },
  ])('fails with a ConfigurationError naming the variable when $problem', async ({ env, message }) => {
    // Act
    const loading = loadHandler(responderEnv(env));

    // Assess
    await expect(loading).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(message),
    });
  });

  it('names every bad variable in one error', async () => {
    // Act
    const loading = loadHandler(
      responderEnv({
        NOTIFICATION_TOPIC_ARN: undefined,
        RESPONDER_MODE: 'auto',
        MAX_REMEDIATIONS_PER_HOUR: '-1',
      }),
    );

    // Assess
    await expect(loading).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(
        /NOTIFICATION_TOPIC_ARN.*RESPONDER_MODE.*MAX_REMEDIATIONS_PER_HOUR|RESPONDER_MODE/,
      ),
    });
    await loading.catch((error: unknown) => {
      const text = error instanceof Error ? error.message : '';
      for (const name of ['NOTIFICATION_TOPIC_ARN', 'RESPONDER_MODE', 'MAX_REMEDIATIONS_PER_HOUR']) {
        expect(text).toContain(name);
      }
    });
  });

  it('starts with the defaults when only the required variables are set', async () => {
    // Act
    const loading = loadHandler(
      responderEnv({
        RESPONDER_MODE: undefined,
        METRIC_NAMESPACE: undefined,
        REQUIRE_AGENT_MANAGEMENT: undefined,
        MAX_REMEDIATIONS_PER_HOUR: '',
      }),
    );

    // Assess
    await expect(loading).resolves.toBeTypeOf('function');
  });
});
