import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { JsonLogger, logInvocationContext } from '../../handlers/logger.js';
import { lambdaContext } from '../support/fixtures.js';

function capture(level?: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger('svc', level, (line) =>
    lines.push(JSON.parse(line) as Record<string, unknown>),
  );
  return { logger, lines };
}

describe('Class: JsonLogger', () => {
  it('writes one JSON object per line with a constant message and the fields', () => {
    const { logger, lines } = capture('INFO');

    logger.warn('decision', { outcome: 'remediate', detectorId: 'd-1' });

    expect(lines).toEqual([
      {
        level: 'WARN',
        message: 'decision',
        timestamp: expect.any(String),
        service: 'svc',
        outcome: 'remediate',
        detectorId: 'd-1',
      },
    ]);
  });

  it.each([
    ['ERROR', ['ERROR']],
    ['warn', ['WARN', 'ERROR']],
    ['INFO', ['INFO', 'WARN', 'ERROR']],
    ['SILENT', []],
    ['nonsense', ['INFO', 'WARN', 'ERROR']],
  ])('at level %s writes %j', (level, expected) => {
    const { logger, lines } = capture(level);

    logger.info('i', {});
    logger.warn('w', {});
    logger.error('e', {});

    expect(lines.map((line) => line.level)).toEqual(expected);
  });

  it('adds the invocation context, with cold_start true only for the first invocation', async () => {
    const { logger, lines } = capture('INFO');
    const middleware = logInvocationContext(logger);
    const request = (context: Context) => ({
      event: {},
      context,
      response: null,
      error: null,
      internal: {},
    });

    await middleware.before?.(request(lambdaContext('eu-west-1')));
    logger.info('first', {});
    await middleware.before?.(request({ ...lambdaContext('eu-west-1'), awsRequestId: 'second-request' }));
    logger.info('second', {});

    expect(lines).toMatchObject([
      {
        message: 'first',
        function_name: 'guardduty-drift-responder',
        function_request_id: 'test-request',
        cold_start: true,
      },
      { message: 'second', function_request_id: 'second-request', cold_start: false },
    ]);
  });
});
