/*
 * The edge of the tamper watch (handlers/tamper-events.ts through parseEvent, and OWN_RESOURCES in config.ts): each
 * service's request shape, hostile strings kept verbatim for the alert to scrub, an unreadable request kept and marked
 * (never dropped), malformed records invalid, and the variable's own validation. Records are synthetic (test/support/tamper-events.ts).
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig, parseOwnResources } from '../../handlers/config.js';
import type { TamperSource } from '../../handlers/contract.js';
import type { TamperInput } from '../../handlers/core/tamper.js';
import { parseEvent } from '../../handlers/events.js';
import type { Json } from '../support/fixtures.js';
import { TOPIC_ARN } from '../support/mocked-responder.js';
import { tamperEvent } from '../support/tamper-events.js';

function parsed(source: TamperSource, name: string, request: Json | null, record: Json = {}): TamperInput {
  const result = parseEvent(tamperEvent(source, name, request, { record }));
  if (result.status !== 'ok' || result.input.kind !== 'tamper') throw new Error(JSON.stringify(result));
  return result.input;
}

describe('tamper records: each service’s request', () => {
  it('CloudTrail: name or trailName, event selectors of both kinds', () => {
    expect(parsed('aws.cloudtrail', 'StopLogging', { name: 'org-trail' }).request.trailName).toBe(
      'org-trail',
    );
    const selectors = parsed('aws.cloudtrail', 'PutEventSelectors', {
      trailName: 'org-trail',
      eventSelectors: [{ readWriteType: 'WriteOnly', includeManagementEvents: true, dataResources: [] }],
      advancedEventSelectors: [
        { name: 'm', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] },
      ],
    }).request;
    expect(selectors).toMatchObject({
      trailName: 'org-trail',
      eventSelectors: [{ readWriteType: 'WriteOnly', includeManagementEvents: true }],
      advancedEventSelectors: [{ fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] }],
    });
  });

  it('EventBridge: name or rule, state, pattern, targets, ids, bus', () => {
    expect(parsed('aws.events', 'DisableRule', { name: 'r', eventBusName: 'default' }).request).toMatchObject(
      {
        ruleName: 'r',
        eventBusName: 'default',
      },
    );
    expect(
      parsed('aws.events', 'PutRule', { name: 'r', state: 'DISABLED', eventPattern: '{}' }).request,
    ).toMatchObject({
      ruleState: 'DISABLED',
      eventPattern: '{}',
    });
    const put = parsed('aws.events', 'PutTargets', {
      rule: 'r',
      targets: [{ id: 'Target0', arn: 'arn:aws:sqs:x', input: '{}' }],
    });
    expect(put.request).toMatchObject({ ruleName: 'r', targets: [{ id: 'Target0', arn: 'arn:aws:sqs:x' }] });
    expect(
      parsed('aws.events', 'RemoveTargets', { rule: 'r', ids: ['Target0'], force: false }).request.targetIds,
    ).toEqual(['Target0']);
  });

  it('Lambda: the versioned event names, concurrency, environment (recorded or hidden)', () => {
    const update = parsed('aws.lambda', 'UpdateFunctionConfiguration20150331v2', {
      functionName: 'fn',
      environment: { variables: { RESPONDER_MODE: 'notify' } },
      timeout: 30,
    }).request;
    expect(update).toMatchObject({
      functionName: 'fn',
      environment: { kind: 'variables', variables: { RESPONDER_MODE: 'notify' } },
      fields: ['functionName', 'environment', 'timeout'],
    });
    const hidden = parsed('aws.lambda', 'UpdateFunctionConfiguration20150331v2', {
      functionName: 'fn',
      environment: 'HIDDEN',
    });
    expect(hidden.request.environment).toEqual({ kind: 'hidden' });
    expect(
      parsed('aws.lambda', 'PutFunctionConcurrency20171031', {
        functionName: 'fn',
        reservedConcurrentExecutions: 0,
      }).request.reservedConcurrentExecutions,
    ).toBe(0);
  });

  it('SNS, KMS (with resources[]), CloudWatch, DynamoDB', () => {
    expect(
      parsed('aws.sns', 'SetTopicAttributes', {
        topicArn: TOPIC_ARN,
        attributeName: 'Policy',
        attributeValue: '{}',
      }).request,
    ).toMatchObject({ topicArn: TOPIC_ARN, attributeName: 'Policy' });
    expect(
      parsed('aws.sns', 'Unsubscribe', { subscriptionArn: `${TOPIC_ARN}:1` }).request.subscriptionArn,
    ).toBe(`${TOPIC_ARN}:1`);
    const key = parsed(
      'aws.kms',
      'ScheduleKeyDeletion',
      { keyId: 'k', pendingWindowInDays: 7 },
      { resources: [{ ARN: 'arn:aws:kms:us-east-1:123456789012:key/k', type: 'AWS::KMS::Key' }] },
    );
    expect(key.request).toMatchObject({
      keyId: 'k',
      pendingWindowInDays: 7,
      resourceArns: ['arn:aws:kms:us-east-1:123456789012:key/k'],
    });
    expect(parsed('aws.monitoring', 'DeleteAlarms', { alarmNames: ['a', 'b'] }).request.alarmNames).toEqual([
      'a',
      'b',
    ]);
    expect(parsed('aws.dynamodb', 'DeleteTable', { tableName: 't' }).request.tableName).toBe('t');
  });

  it('who: the principal, its session issuer, invokedBy, source IP and user agent; a null request is no request', () => {
    const input = parsed('aws.dynamodb', 'DeleteTable', null, {
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::123456789012:assumed-role/R/s',
        invokedBy: 'cloudformation.amazonaws.com',
        sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::123456789012:role/R' } },
      },
    });
    expect(input).toMatchObject({
      kind: 'tamper',
      source: 'aws.dynamodb',
      invokedBy: 'cloudformation.amazonaws.com',
      actor: {
        type: 'AssumedRole',
        sessionIssuerArn: 'arn:aws:iam::123456789012:role/R',
        sourceIp: '198.51.100.7',
      },
      request: { tableName: undefined, fields: [] },
    });
  });

  it('keeps hostile strings verbatim: scrubbing is the alert’s job, not the parser’s', () => {
    const hostile = 'r\nOutcome:   tamper-repaired\u202e';
    expect(parsed('aws.events', 'DisableRule', { name: hostile }).request.ruleName).toBe(hostile);
  });
});

describe('tamper records that are not well-formed', () => {
  const invalid = (event: Json) => {
    const result = parseEvent(event);
    expect(result.status).toBe('invalid');
    return result.status === 'invalid' ? result.problems.join('; ') : '';
  };

  it('a wrong type in a request field keeps the call, its request marked unreadable and naming the field', () => {
    const unreadable = (source: TamperSource, name: string, request: Json) => {
      const input = parsed(source, name, request);
      // Nothing is read from parameters that did not read: no rule, target or function to act on.
      expect(input.request).toMatchObject({
        ruleName: undefined,
        targets: undefined,
        functionName: undefined,
      });
      expect(input.eventName).toBe(name);
      return { problems: (input.request.unreadable ?? []).join('; '), fields: input.request.fields };
    };
    expect(unreadable('aws.events', 'RemoveTargets', { rule: 'r', ids: 'Target0' })).toEqual({
      problems: expect.stringMatching(/requestParameters\.ids/),
      fields: ['rule', 'ids'],
    });
    expect(
      unreadable('aws.lambda', 'PutFunctionConcurrency20171031', {
        functionName: 'f',
        reservedConcurrentExecutions: '0',
      }).problems,
    ).toMatch(/reservedConcurrentExecutions/);
    expect(unreadable('aws.events', 'PutTargets', { rule: 'r', targets: [{ id: 'x' }] }).problems).toMatch(
      /targets\.0\.arn/,
    );
  });

  it('a well-formed request has nothing unreadable', () => {
    expect(parsed('aws.events', 'DisableRule', { name: 'r' }).request.unreadable).toBeUndefined();
  });

  it('a record whose own fields do not read is invalid, even with a request that does not read either', () => {
    const event = tamperEvent('aws.events', 'RemoveTargets', { rule: 'r', ids: 'Target0' });
    delete (event.detail as Json).eventTime;
    const problems = invalid(event);
    expect(problems).toMatch(/eventTime/);
    expect(problems).toMatch(/requestParameters\.ids/);
  });

  it('an eventSource that does not belong to the source is invalid', () => {
    expect(
      invalid(
        tamperEvent(
          'aws.events',
          'DisableRule',
          { name: 'r' },
          { record: { eventSource: 'guardduty.amazonaws.com' } },
        ),
      ),
    ).toMatch(/eventSource/);
  });

  it('a record without an event id is invalid', () => {
    const event = tamperEvent('aws.sns', 'DeleteTopic', { topicArn: TOPIC_ARN });
    delete (event.detail as Json).eventID;
    expect(invalid(event)).toMatch(/eventID/);
  });

  it('a well-formed call the watch does not act on is unsupported, with its event id', () => {
    const event = tamperEvent('aws.events', 'EnableRule', { name: 'r' });
    expect(parseEvent(event)).toEqual({
      status: 'unsupported',
      reason: 'EnableRule from aws.events is not a call the tamper watch acts on',
      eventId: event.id,
    });
  });

  it('the sweep schedule (source aws.events too) is still the sweep', () => {
    const result = parseEvent({
      ...tamperEvent('aws.events', 'DisableRule', {}),
      'detail-type': 'Scheduled Event',
      detail: {},
    });
    expect(result).toMatchObject({ status: 'ok', input: { kind: 'sweep' } });
  });
});

describe('OWN_RESOURCES', () => {
  const REQUIRED = { NOTIFICATION_TOPIC_ARN: TOPIC_ARN, STATE_TABLE_NAME: 'drift-state' };
  const valid = {
    rules: [
      {
        name: 'guardduty-drift-events',
        target: 'function',
        targetId: 'Target0',
        retryAttempts: 2,
        maxEventAgeSeconds: 3600,
      },
    ],
    alarmNames: ['a'],
    trailArn: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/t',
  };

  it('is optional, and parsed into the configuration when set', () => {
    expect(loadConfig(REQUIRED).ownResources).toBeUndefined();
    expect(loadConfig({ ...REQUIRED, OWN_RESOURCES: JSON.stringify(valid) }).ownResources).toEqual(valid);
  });

  it('names the variable when it is not JSON, keeping the cause', () => {
    const error = (() => {
      try {
        parseOwnResources('{rules:');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/OWN_RESOURCES is not JSON/);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('names the field when the shape is wrong', () => {
    expect(() =>
      loadConfig({
        ...REQUIRED,
        OWN_RESOURCES: JSON.stringify({ ...valid, rules: [{ name: 'r', target: 'queue', targetId: 'T' }] }),
      }),
    ).toThrow(/OWN_RESOURCES\.rules\.0\.target/);
    expect(() => parseOwnResources(JSON.stringify({ rules: [] }))).toThrow(/OWN_RESOURCES\.alarmNames/);
    expect(() => parseOwnResources(JSON.stringify({ ...valid, trailArn: 'trail' }))).toThrow(
      /OWN_RESOURCES\.trailArn: expected an ARN/,
    );
  });
});
