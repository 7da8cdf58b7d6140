/*
 * The tamper decision (handlers/core/tamper.ts), pure: every call of TAMPER_CALLS on the responder's own resources and
 * on others', CloudFormation deploys, the responder's own repair, denied attempts, and each consequence and severity.
 * Inputs are synthetic CloudTrail records (test/support/tamper-events.ts) read through the real edge parser.
 * Over 300 lines: one table of every watched call, then the cases around it.
 */
import { describe, expect, it } from 'vitest';
import { TAMPER_CALLS, type TamperSource } from '../../handlers/contract.js';
import {
  functionRefOf,
  judgeTamper,
  type TamperFinding,
  type TamperInput,
  type TamperSelf,
} from '../../handlers/core/tamper.js';
import { parseEvent } from '../../handlers/events.js';
import { type Json, RESPONDER_FUNCTION_NAME, RESPONDER_ROLE_ARN } from '../support/fixtures.js';
import { ACCOUNT, REGION, STATE_TABLE, TOPIC_ARN } from '../support/mocked-responder.js';
import {
  CLOUDFORMATION_DEPLOY,
  FUNCTION_ARN,
  KEY_ARN,
  OWN,
  type TamperEventOptions,
  TRAIL_ARN,
  tamperEvent,
} from '../support/tamper-events.js';

const SELF: TamperSelf = {
  region: REGION,
  accountId: ACCOUNT,
  functionName: RESPONDER_FUNCTION_NAME,
  roleArn: RESPONDER_ROLE_ARN,
  topicArn: TOPIC_ARN,
  tableName: STATE_TABLE,
  mode: 'remediate',
  scope: 'account',
  own: OWN,
};

function inputOf(
  source: TamperSource,
  eventName: string,
  request: Json | null,
  options?: TamperEventOptions,
) {
  const parsed = parseEvent(tamperEvent(source, eventName, request, options));
  if (parsed.status !== 'ok' || parsed.input.kind !== 'tamper') throw new Error(JSON.stringify(parsed));
  return parsed.input;
}

function finding(input: TamperInput, self: TamperSelf = SELF): TamperFinding {
  const verdict = judgeTamper(input, self, FUNCTION_ARN);
  if (verdict.action !== 'report') throw new Error(`expected a report, got: ${verdict.reason}`);
  return verdict.finding;
}

function reason(input: TamperInput, self: TamperSelf = SELF): string {
  const verdict = judgeTamper(input, self, FUNCTION_ARN);
  if (verdict.action !== 'ignore') throw new Error(`expected ignore, got: ${verdict.finding.headline}`);
  return verdict.reason;
}

const RULE = 'guardduty-drift-events';
/** The variables the construct sets that the tamper watch checks, as deployed. */
const fullEnvironment = {
  NOTIFICATION_TOPIC_ARN: TOPIC_ARN,
  STATE_TABLE_NAME: STATE_TABLE,
  OWN_RESOURCES: JSON.stringify(OWN),
};
const LAMBDA = TAMPER_CALLS['aws.lambda'].eventNames;

/** Each watched call on the responder's own resource: severity, repairs, and words of its consequence. */
const OWN_CALLS: readonly [TamperSource, string, Json, TamperFinding['severity'], string[], RegExp][] = [
  ['aws.cloudtrail', 'StopLogging', { name: TRAIL_ARN }, 'critical', ['start-logging'], /stopped/],
  ['aws.cloudtrail', 'DeleteTrail', { name: 'guardduty-drift-trail' }, 'critical', [], /gone/],
  [
    'aws.cloudtrail',
    'UpdateTrail',
    { name: TRAIL_ARN, isMultiRegionTrail: false },
    'high',
    [],
    /this Region only/,
  ],
  [
    'aws.cloudtrail',
    'PutEventSelectors',
    { trailName: TRAIL_ARN, eventSelectors: [{ readWriteType: 'All', includeManagementEvents: false }] },
    'critical',
    [],
    /no longer include management events/,
  ],
  [
    'aws.events',
    'DisableRule',
    { name: RULE },
    'critical',
    ['enable-rule'],
    /no longer receives GuardDuty events/,
  ],
  ['aws.events', 'DeleteRule', { name: RULE }, 'critical', [], /no longer receives GuardDuty events/],
  [
    'aws.events',
    'RemoveTargets',
    { rule: RULE, ids: ['Target0'] },
    'critical',
    ['restore-target'],
    /delivers nowhere/,
  ],
  ['aws.events', 'PutRule', { name: RULE, state: 'DISABLED' }, 'critical', ['enable-rule'], /rule is off/],
  [
    'aws.events',
    'PutTargets',
    { rule: RULE, targets: [{ id: 'Target0', arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:decoy` }] },
    'critical',
    ['restore-target'],
    /now delivers to .*decoy/,
  ],
  [
    'aws.lambda',
    LAMBDA[0],
    {
      functionName: RESPONDER_FUNCTION_NAME,
      environment: {
        variables: {
          RESPONDER_MODE: 'notify',
          NOTIFICATION_TOPIC_ARN: TOPIC_ARN,
          STATE_TABLE_NAME: STATE_TABLE,
          OWN_RESOURCES: '{}',
        },
      },
    },
    'critical',
    [],
    /RESPONDER_MODE set to notify: drift is reported, no longer repaired/,
  ],
  [
    'aws.lambda',
    LAMBDA[1],
    { functionName: FUNCTION_ARN },
    'critical',
    [],
    /no longer the deployed responder/,
  ],
  [
    'aws.lambda',
    LAMBDA[2],
    { functionName: RESPONDER_FUNCTION_NAME, reservedConcurrentExecutions: 0 },
    'critical',
    [],
    /reserved concurrency 0: the function can never run/i,
  ],
  [
    'aws.lambda',
    LAMBDA[3],
    { functionName: `${ACCOUNT}:function:${RESPONDER_FUNCTION_NAME}` },
    'critical',
    [],
    /responder is gone/,
  ],
  [
    'aws.lambda',
    LAMBDA[4],
    { functionName: RESPONDER_FUNCTION_NAME, statementId: 'events' },
    'critical',
    [],
    /EventBridge/,
  ],
  [
    'aws.lambda',
    LAMBDA[5],
    { functionName: RESPONDER_FUNCTION_NAME, statementId: 'events' },
    'critical',
    [],
    /EventBridge/,
  ],
  ['aws.sns', 'DeleteTopic', { topicArn: TOPIC_ARN }, 'critical', [], /alerts no longer reach anyone/i],
  [
    'aws.sns',
    'Unsubscribe',
    { subscriptionArn: `${TOPIC_ARN}:0b6f3c1e` },
    'high',
    [],
    /no longer receives alerts/,
  ],
  [
    'aws.sns',
    'SetTopicAttributes',
    { topicArn: TOPIC_ARN, attributeName: 'Policy' },
    'critical',
    [],
    /access policy/,
  ],
  ['aws.sns', 'RemovePermission', { topicArn: TOPIC_ARN, label: 'events' }, 'high', [], /publish/],
  [
    'aws.sns',
    'SetSubscriptionAttributes',
    {
      subscriptionArn: `${TOPIC_ARN}:0b6f3c1e`,
      attributeName: 'FilterPolicy',
      attributeValue: '{"severity":["none"]}',
    },
    'critical',
    [],
    /this subscriber may no longer receive alerts/,
  ],
  ['aws.kms', 'DisableKey', { keyId: KEY_ARN }, 'critical', [], /alerts no longer reach anyone/],
  [
    'aws.kms',
    'ScheduleKeyDeletion',
    { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', pendingWindowInDays: 7 },
    'critical',
    [],
    /deleted in 7 day/,
  ],
  [
    'aws.monitoring',
    'DisableAlarmActions',
    { alarmNames: ['guardduty-drift-dlq'] },
    'high',
    [],
    /page nobody/,
  ],
  [
    'aws.monitoring',
    'DeleteAlarms',
    { alarmNames: ['other', 'guardduty-drift-heartbeat'] },
    'high',
    [],
    /no longer page/,
  ],
  ['aws.dynamodb', 'DeleteTable', { tableName: STATE_TABLE }, 'critical', [], /Every claim fails/],
];

describe('tamper calls on the responder’s own resources', () => {
  it('covers every call of TAMPER_CALLS', () => {
    const covered = new Set(OWN_CALLS.map(([source, name]) => `${source}:${name}`));
    for (const [source, { eventNames }] of Object.entries(TAMPER_CALLS)) {
      for (const name of eventNames) expect(covered, `${source}:${name}`).toContain(`${source}:${name}`);
    }
  });

  it.each(OWN_CALLS)(
    '%s %s is reported %s with its repairs and consequence',
    (source, name, request, severity, repairs, words) => {
      const result = finding(inputOf(source, name, request));
      expect(result.severity).toBe(severity);
      expect(result.how).toBe('call');
      expect(result.resource.ours).toBe(true);
      expect(result.repairs.map((repair) => repair.kind)).toEqual(repairs);
      expect(`${result.headline} ${result.consequence}`).toMatch(words);
      expect(result.fix.length).toBeGreaterThan(10);
    },
  );

  it('repairs the responder’s rule with the target as deployed', () => {
    const result = finding(inputOf('aws.events', 'RemoveTargets', { rule: RULE, ids: ['Target0'] }));
    expect(result.repairs).toEqual([{ kind: 'restore-target', rule: OWN.rules[0] }]);
  });

  it('says the dead-function rule loses the page that arrives without the function', () => {
    const result = finding(inputOf('aws.events', 'DisableRule', { name: 'guardduty-drift-dead-function' }));
    expect(result.consequence).toMatch(/when the function itself is gone/);
  });
});

describe('the same calls on other resources', () => {
  const FOREIGN: readonly [TamperSource, string, Json, RegExp][] = [
    ['aws.events', 'DisableRule', { name: 'someone-elses-rule' }, /not one of the responder's/],
    ['aws.events', 'DisableRule', { name: RULE, eventBusName: 'custom-bus' }, /not one of the responder's/],
    ['aws.lambda', LAMBDA[3], { functionName: 'other-function' }, /not the responder's/],
    [
      'aws.lambda',
      LAMBDA[3],
      { functionName: `arn:aws:lambda:${REGION}:210987654321:function:${RESPONDER_FUNCTION_NAME}` },
      /not the responder's/,
    ],
    ['aws.sns', 'DeleteTopic', { topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:other` }, /not the alert topic/],
    [
      'aws.sns',
      'Unsubscribe',
      { subscriptionArn: `arn:aws:sns:${REGION}:${ACCOUNT}:guardduty-drift-alerts-2:x` },
      /not one of the alert topic's/,
    ],
    ['aws.kms', 'DisableKey', { keyId: 'ffffffff-12ab-34cd-56ef-1234567890ab' }, /not the alert topic's/],
    ['aws.monitoring', 'DeleteAlarms', { alarmNames: ['billing'] }, /none of the responder's alarms/],
    ['aws.dynamodb', 'DeleteTable', { tableName: 'orders' }, /not the state table/],
  ];
  it.each(FOREIGN)('%s %s %j is ignored with the reason', (source, name, request, words) => {
    expect(reason(inputOf(source, name, request))).toMatch(words);
  });

  it('reports every trail, high when it is not the responder’s, and repairs none of them', () => {
    const result = finding(inputOf('aws.cloudtrail', 'StopLogging', { name: 'org-trail' }));
    expect(result).toMatchObject({ severity: 'high', repairs: [], resource: { kind: 'trail', ours: false } });
  });

  it('restarts its own trail only in the trail’s home Region (StartLogging works only there)', () => {
    const elsewhere = { ...SELF, region: 'eu-west-1' };
    const result = finding(
      inputOf('aws.cloudtrail', 'StopLogging', { name: TRAIL_ARN }, { region: 'eu-west-1' }),
      elsewhere,
    );
    expect(result).toMatchObject({ severity: 'critical', repairs: [] });
    expect(result.consequence).toMatch(/home Region \(us-east-1\)/);
  });

  it('without OWN_RESOURCES knows no rule, and still reports trails', () => {
    const bare = { ...SELF, own: undefined };
    expect(reason(inputOf('aws.events', 'DisableRule', { name: RULE }), bare)).toMatch(
      /OWN_RESOURCES is not set/,
    );
    expect(finding(inputOf('aws.cloudtrail', 'StopLogging', { name: TRAIL_ARN }), bare)).toMatchObject({
      severity: 'high',
      repairs: [],
    });
  });

  it('ignores other Regions and accounts', () => {
    expect(reason(inputOf('aws.events', 'DisableRule', { name: RULE }, { region: 'eu-west-1' }))).toMatch(
      /Region eu-west-1/,
    );
    expect(reason(inputOf('aws.events', 'DisableRule', { name: RULE }, { account: '210987654321' }))).toMatch(
      /account 210987654321/,
    );
  });
});

describe('who made the call', () => {
  const ownRepair = {
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/GuardDutyDriftResponderRole/${RESPONDER_FUNCTION_NAME}`,
      sessionContext: { sessionIssuer: { arn: RESPONDER_ROLE_ARN } },
    },
    userAgent: 'aws-sdk-js/3.0 guardduty-drift-responder/0.1.0',
  };
  const restore = { rule: RULE, targets: [{ id: 'Target0', arn: FUNCTION_ARN }] };

  it('ignores the responder’s own PutTargets that restores its target (the loop guard)', () => {
    expect(reason(inputOf('aws.events', 'PutTargets', restore, { record: ownRepair }))).toMatch(/own repair/);
  });

  it('reports a PutTargets by the responder’s role that points elsewhere, and any other call by it', () => {
    const elsewhere = { rule: RULE, targets: [{ id: 'Target0', arn: `${FUNCTION_ARN}-decoy` }] };
    expect(finding(inputOf('aws.events', 'PutTargets', elsewhere, { record: ownRepair })).severity).toBe(
      'critical',
    );
    expect(
      finding(inputOf('aws.events', 'DisableRule', { name: RULE }, { record: ownRepair })).severity,
    ).toBe('critical');
  });

  it('does not take a look-alike (session name and user agent, another issuer) for the responder', () => {
    const lookAlike = {
      ...ownRepair,
      userIdentity: {
        ...ownRepair.userIdentity,
        sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${ACCOUNT}:role/Admin` } },
      },
    };
    expect(finding(inputOf('aws.events', 'PutTargets', restore, { record: lookAlike })).severity).toBe(
      'high',
    );
  });

  const deploy = {
    ...CLOUDFORMATION_DEPLOY,
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/cdk-hnb659fds-cfn-exec-role/deploy`,
    },
  };

  it('reports a CloudFormation deploy that leaves the responder armed at low severity, repairing nothing', () => {
    const code = finding(
      inputOf('aws.lambda', LAMBDA[1], { functionName: FUNCTION_ARN }, { record: deploy }),
    );
    expect(code).toMatchObject({ how: 'deploy', severity: 'low', repairs: [] });
    expect(code.consequence).toMatch(/through a CloudFormation deploy by .*cfn-exec-role\/deploy: expected/);
    const target = finding(
      inputOf(
        'aws.events',
        'PutTargets',
        { rule: RULE, targets: [{ id: 'Target0', arn: FUNCTION_ARN }] },
        { record: deploy },
      ),
    );
    expect(target).toMatchObject({ how: 'deploy', severity: 'low', repairs: [] });
  });

  it('reports a CloudFormation deploy that disarms the responder high, names the principal and repairs nothing', () => {
    const disarming: readonly [TamperSource, string, Json][] = [
      ['aws.events', 'DisableRule', { name: RULE }],
      ['aws.events', 'PutRule', { name: RULE, state: 'DISABLED' }],
      ['aws.lambda', LAMBDA[2], { functionName: RESPONDER_FUNCTION_NAME, reservedConcurrentExecutions: 0 }],
      [
        'aws.lambda',
        LAMBDA[0],
        {
          functionName: RESPONDER_FUNCTION_NAME,
          environment: { variables: { ...fullEnvironment, RESPONDER_MODE: 'notify' } },
        },
      ],
      [
        'aws.lambda',
        LAMBDA[0],
        { functionName: RESPONDER_FUNCTION_NAME, environment: { variables: 'HIDDEN' } },
      ],
      ['aws.cloudtrail', 'StopLogging', { name: TRAIL_ARN }],
      ['aws.sns', 'DeleteTopic', { topicArn: TOPIC_ARN }],
      ['aws.kms', 'ScheduleKeyDeletion', { keyId: KEY_ARN, pendingWindowInDays: 7 }],
      ['aws.dynamodb', 'DeleteTable', { tableName: STATE_TABLE }],
    ];
    for (const [source, name, request] of disarming) {
      const result = finding(inputOf(source, name, request, { record: deploy }));
      expect(result, `${source} ${name}`).toMatchObject({ how: 'deploy', severity: 'high', repairs: [] });
      expect(result.consequence).toMatch(
        /Made through a CloudFormation deploy by arn:aws:sts::123456789012:assumed-role\/cdk-hnb659fds-cfn-exec-role\/deploy: the stack now disarms the responder/,
      );
    }
  });

  it('does not take a CloudFormation user agent alone for a deploy', () => {
    const forged = { userAgent: 'cloudformation.amazonaws.com' };
    expect(finding(inputOf('aws.events', 'DisableRule', { name: RULE }, { record: forged })).how).toBe(
      'call',
    );
  });

  it('reports a denied call as an attempt, one severity lower, repairing nothing', () => {
    const denied = { errorCode: 'AccessDenied', errorMessage: 'not authorized' };
    expect(finding(inputOf('aws.events', 'DisableRule', { name: RULE }, { record: denied }))).toMatchObject({
      how: 'denied',
      severity: 'high',
      repairs: [],
      headline: expect.stringMatching(/^attempt denied \(AccessDenied\)/),
    });
    expect(
      finding(inputOf('aws.sns', 'Unsubscribe', { subscriptionArn: `${TOPIC_ARN}:x` }, { record: denied }))
        .severity,
    ).toBe('medium');
  });
});

describe('consequences in detail', () => {
  const update = (variables: unknown, extra: Json = {}) =>
    finding(
      inputOf('aws.lambda', LAMBDA[0], {
        functionName: RESPONDER_FUNCTION_NAME,
        environment: { variables },
        ...extra,
      }),
    );
  const full = fullEnvironment;

  it('names a removed or unrecorded environment, a moved topic, a lost scope and a hidden environment: all critical', () => {
    expect(update({})).toMatchObject({
      severity: 'critical',
      consequence: expect.stringMatching(
        /recorded no variables: either the environment was removed .* or the record left the values out/,
      ),
    });
    expect(update({ ...full, NOTIFICATION_TOPIC_ARN: `${TOPIC_ARN}-x` }).consequence).toMatch(
      /alerts go to another topic/,
    );
    expect(
      finding(
        inputOf('aws.lambda', LAMBDA[0], {
          functionName: RESPONDER_FUNCTION_NAME,
          environment: { variables: { ...full, RESPONDER_SCOPE: 'account' } },
        }),
        { ...SELF, scope: 'organization' },
      ).consequence,
    ).toMatch(/RESPONDER_SCOPE changed from organization to account/);
    const hidden = update('HIDDEN_DUE_TO_SECURITY_REASONS');
    expect(hidden).toMatchObject({
      severity: 'critical',
      consequence: expect.stringMatching(/did not record its values: the responder cannot verify it/),
    });
    const noVariables = finding(
      inputOf('aws.lambda', LAMBDA[0], { functionName: RESPONDER_FUNCTION_NAME, environment: {} }),
    );
    expect(noVariables).toMatchObject({
      severity: 'critical',
      consequence: expect.stringMatching(/cannot verify/),
    });
  });

  it.each([
    ['NODE_OPTIONS', '--require /tmp/x.js', /NODE_OPTIONS set: Node.js loads .* \(code injection\)/],
    [
      'AWS_ENDPOINT_URL_SNS',
      'https://evil.example',
      /AWS_ENDPOINT_URL_SNS set: the AWS SDK sends its calls there/,
    ],
    ['AWS_ENDPOINT_URL', 'https://evil.example', /AWS_ENDPOINT_URL set: the AWS SDK sends its calls there/],
    [
      'AWS_LAMBDA_EXEC_WRAPPER',
      '/opt/wrapper',
      /AWS_LAMBDA_EXEC_WRAPPER set: the runtime starts through another program/,
    ],
    [
      'HTTPS_PROXY',
      'http://evil.example:3128',
      /HTTPS_PROXY set: the responder does not read it, but the runtime/,
    ],
  ])('a variable the runtime or the SDK acts on (%s) is critical', (name, value, words) => {
    const result = update({ ...full, [name]: value });
    expect(result.severity).toBe('critical');
    expect(result.consequence).toMatch(words);
    expect(result.consequence).not.toMatch(/unchanged/);
  });

  it('OWN_RESOURCES rewritten is critical; the same resources in another key order are not called rewritten', () => {
    expect(update({ ...full, OWN_RESOURCES: '{"rules":[],"alarmNames":[]}' }).consequence).toMatch(
      /OWN_RESOURCES rewritten: the tamper watch and the sweep's wiring check now take other/,
    );
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(OWN).reverse()));
    const same = update({ ...full, OWN_RESOURCES: reordered });
    expect(same.consequence).not.toMatch(/rewritten:/);
    expect(same).toMatchObject({
      severity: 'critical',
      consequence: expect.stringMatching(/cannot tell a harmless value from a disarming one.*cdk diff/),
    });
  });

  it.each([
    ['role', `arn:aws:iam::${ACCOUNT}:role/attacker`, /execution role was replaced/],
    ['handler', 'index.nothing', /another entry point runs/],
    [
      'layers',
      [`arn:aws:lambda:${REGION}:210987654321:layer:x:1`],
      /a layer's code runs inside the function/,
    ],
    ['runtime', 'python3.12', /the code may no longer start/],
  ])('a changed %s is critical, and says the environment was not part of the call', (field, value, words) => {
    const result = finding(
      inputOf('aws.lambda', LAMBDA[0], { functionName: RESPONDER_FUNCTION_NAME, [field]: value }),
    );
    expect(result).toMatchObject({ severity: 'critical', disarms: false });
    expect(result.consequence).toMatch(words);
    expect(result.consequence).toMatch(/The environment was not part of the call/);
  });

  it('keeps a memory change at high, and says what it can do', () => {
    const memory = finding(
      inputOf('aws.lambda', LAMBDA[0], { functionName: RESPONDER_FUNCTION_NAME, memorySize: 128 }),
    );
    expect(memory).toMatchObject({
      severity: 'high',
      consequence: expect.stringMatching(
        /memorySize; a timeout or memory too small makes every invocation fail/,
      ),
    });
  });

  it('matches the state table by its ARN, in this Region and account only', () => {
    const arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${STATE_TABLE}`;
    expect(finding(inputOf('aws.dynamodb', 'DeleteTable', { tableName: arn }))).toMatchObject({
      severity: 'critical',
      resource: { kind: 'table', name: STATE_TABLE, ours: true },
    });
    expect(
      reason(
        inputOf('aws.dynamodb', 'DeleteTable', {
          tableName: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/${STATE_TABLE}`,
        }),
      ),
    ).toMatch(/not the state table/);
    expect(
      reason(
        inputOf('aws.dynamodb', 'DeleteTable', {
          tableName: `arn:aws:dynamodb:${REGION}:210987654321:table/${STATE_TABLE}`,
        }),
      ),
    ).toMatch(/not the state table/);
  });

  it('judges each subscription attribute of the alert topic, and ignores other topics’ subscriptions', () => {
    const set = (attributeName: string, subscriptionArn = `${TOPIC_ARN}:0b6f3c1e`) =>
      inputOf('aws.sns', 'SetSubscriptionAttributes', {
        subscriptionArn,
        attributeName,
        attributeValue: 'x',
      });
    expect(finding(set('FilterPolicyScope')).severity).toBe('critical');
    expect(finding(set('RawMessageDelivery'))).toMatchObject({
      severity: 'high',
      consequence: expect.stringMatching(/another format/),
    });
    expect(finding(set('RedrivePolicy')).severity).toBe('high');
    expect(finding(set('SomethingNew')).severity).toBe('high');
    expect(reason(set('FilterPolicy', `${TOPIC_ARN}-2:0b6f3c1e`))).toMatch(/not one of the alert topic's/);
  });

  it('a schedule sent by PutRule is critical: the sweep may never run', () => {
    const result = finding(
      inputOf('aws.events', 'PutRule', {
        name: RULE,
        scheduleExpression: 'cron(0 0 1 1 ? 2099)',
      }),
    );
    expect(result).toMatchObject({
      severity: 'critical',
      repairs: [],
      fix: expect.stringMatching(/cdk deploy/),
    });
    expect(result.consequence).toMatch(
      /schedule is now cron\(0 0 1 1 \? 2099\): if this is the sweep's rule, the sweep .* may run rarely or never/,
    );
    const bare = finding(inputOf('aws.events', 'PutRule', { name: RULE, description: 'x' }));
    expect(bare.severity).toBe('high');
    expect(bare.consequence).not.toMatch(/as before/);
  });

  it('reports PutEventSelectors only when management events are dropped', () => {
    const keeps = {
      trailName: 'org-trail',
      eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true }],
    };
    expect(reason(inputOf('aws.cloudtrail', 'PutEventSelectors', keeps))).toMatch(/still include management/);
    const readOnly = {
      trailName: 'org-trail',
      eventSelectors: [{ readWriteType: 'ReadOnly', includeManagementEvents: true }],
    };
    expect(finding(inputOf('aws.cloudtrail', 'PutEventSelectors', readOnly)).severity).toBe('high');
    const advancedKeeps = {
      trailName: 'org-trail',
      advancedEventSelectors: [{ fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] }],
    };
    expect(reason(inputOf('aws.cloudtrail', 'PutEventSelectors', advancedKeeps))).toMatch(/still include/);
    const advancedExcludes = {
      trailName: TRAIL_ARN,
      advancedEventSelectors: [
        {
          fieldSelectors: [
            { field: 'eventCategory', equals: ['Management'] },
            { field: 'eventSource', notEquals: ['guardduty.amazonaws.com'] },
          ],
        },
      ],
    };
    expect(finding(inputOf('aws.cloudtrail', 'PutEventSelectors', advancedExcludes)).severity).toBe(
      'critical',
    );
  });

  it('tells another target added beside the responder’s from its own rewritten', () => {
    const added = finding(
      inputOf('aws.events', 'PutTargets', {
        rule: RULE,
        targets: [{ id: 'exfil', arn: `arn:aws:sqs:${REGION}:210987654321:q` }],
      }),
    );
    expect(added).toMatchObject({
      severity: 'high',
      repairs: [],
      consequence: expect.stringMatching(/also delivers to/),
    });
    const removedOthers = finding(inputOf('aws.events', 'RemoveTargets', { rule: RULE, ids: ['other'] }));
    expect(removedOthers).toMatchObject({ severity: 'high', repairs: [] });
  });

  it('a pattern replaced by PutRule is critical and left to a deploy', () => {
    const replaced = finding(
      inputOf('aws.events', 'PutRule', { name: RULE, eventPattern: '{"source":["nothing"]}' }),
    );
    expect(replaced).toMatchObject({
      severity: 'critical',
      repairs: [],
      fix: expect.stringMatching(/cdk deploy/),
    });
  });

  it('matches the key by CloudTrail’s resources[] as well as by keyId', () => {
    const byResources = inputOf(
      'aws.kms',
      'DisableKey',
      { keyId: 'alias-free-id' },
      { record: { resources: [{ ARN: KEY_ARN }] } },
    );
    expect(finding(byResources).severity).toBe('critical');
  });

  it('reads function references as the Lambda API takes them', () => {
    expect(functionRefOf('fn')).toEqual({ name: 'fn' });
    expect(functionRefOf(`${ACCOUNT}:function:fn`)).toEqual({ name: 'fn', accountId: ACCOUNT });
    expect(functionRefOf(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:fn:live`)).toEqual({
      name: 'fn',
      region: REGION,
      accountId: ACCOUNT,
      qualifier: 'live',
    });
    expect(functionRefOf('not a name')).toBeUndefined();
  });
});

describe('a watched call whose request parameters did not read', () => {
  // `targets` an object where PutTargets records a list: the watch cannot tell which rule or target it changed.
  const shapeless = { rule: 'guardduty-drift-events', targets: { id: 'Target0' } };

  it('is reported high as possibly about the responder’s own, repairing nothing, whatever the name says', () => {
    const named = { resources: [{ ARN: `arn:aws:events:${REGION}:${ACCOUNT}:rule/guardduty-drift-events` }] };
    expect(finding(inputOf('aws.events', 'PutTargets', shapeless, { record: named }))).toMatchObject({
      resource: { kind: 'rule', ours: 'unknown', name: named.resources[0]?.ARN },
      severity: 'high',
      how: 'call',
      repairs: [],
      disarms: true,
      headline: 'PutTargets with request parameters the watch could not read',
      consequence: expect.stringMatching(/requestParameters\.targets/),
    });
  });

  it('names the kind of resource by the service, and keeps the denied and deploy rules', () => {
    const concurrency = { functionName: 'f', reservedConcurrentExecutions: 'none' };
    expect(finding(inputOf('aws.lambda', 'PutFunctionConcurrency20171031', concurrency)).resource).toEqual({
      kind: 'function',
      name: 'not named in the record',
      ours: 'unknown',
    });
    const denied = { errorCode: 'AccessDenied', errorMessage: 'not authorized' };
    expect(finding(inputOf('aws.events', 'PutTargets', shapeless, { record: denied }))).toMatchObject({
      how: 'denied',
      severity: 'medium',
    });
    const deploy = { ...CLOUDFORMATION_DEPLOY };
    expect(finding(inputOf('aws.events', 'PutTargets', shapeless, { record: deploy }))).toMatchObject({
      how: 'deploy',
      severity: 'high',
    });
  });

  it('for another account or Region is ignored like any other call', () => {
    expect(reason(inputOf('aws.events', 'PutTargets', shapeless, { region: 'eu-west-1' }))).toMatch(
      /Region eu-west-1/,
    );
  });
});
