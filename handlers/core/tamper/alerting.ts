/** SNS, KMS, CloudWatch and DynamoDB calls: the alert topic, its key, the alarms and the state table. Pure (see core/tamper.ts). */
import { ignore, REDEPLOY, report, type TamperInput, type TamperSelf, type TamperVerdict } from './shared.js';
// -- SNS, KMS, CloudWatch, DynamoDB: the alerts and the state ----------------------------------------------------

export function judgeTopic(input: TamperInput, self: TamperSelf): TamperVerdict {
  const { topicArn, subscriptionArn, attributeName, label } = input.request;
  const topic = self.topicArn;
  const resource = { kind: 'topic' as const, name: topic, ours: true };
  if (input.eventName === 'Unsubscribe') {
    if (subscriptionArn === undefined || !subscriptionArn.startsWith(`${topic}:`)) {
      return ignore(`Unsubscribe of ${subscriptionArn ?? 'no subscription'}, not one of the alert topic's`);
    }
    return report({
      resource,
      headline: 'Alert topic: a subscription removed',
      consequence: `Subscription ${subscriptionArn} no longer receives alerts; if it was the last one, alerts no longer reach anyone (the sweep checks it).`,
      severity: 'high',
      repairs: [],
      fix: `aws sns list-subscriptions-by-topic --topic-arn ${topic}`,
    });
  }
  if (input.eventName === 'SetSubscriptionAttributes') return judgeSubscription(input, topic);
  if (topicArn !== topic)
    return ignore(`${input.eventName} is on topic ${topicArn ?? 'none'}, not the alert topic`);
  switch (input.eventName) {
    case 'DeleteTopic':
      return report({
        resource,
        headline: 'Alert topic deleted',
        consequence: 'Alerts no longer reach anyone: every Publish fails.',
        severity: 'critical',
        disarms: true,
        repairs: [],
        fix: `${REDEPLOY}, then confirm the subscriptions again`,
      });
    case 'SetTopicAttributes':
      return report({
        resource,
        headline: `Alert topic: attribute ${attributeName ?? 'unknown'} changed`,
        consequence:
          attributeName === 'Policy'
            ? 'The access policy was replaced: EventBridge (the rule that pages the topic directly) may no longer publish to it.'
            : attributeName === 'KmsMasterKeyId'
              ? 'The topic now encrypts with another key: publishers without access to it fail, and alerts are lost.'
              : 'Delivery of alerts may have changed.',
        severity: attributeName === 'Policy' || attributeName === 'KmsMasterKeyId' ? 'critical' : 'high',
        repairs: [],
        fix: REDEPLOY,
      });
    default:
      return report({
        resource,
        headline: `Alert topic: permission ${label ?? ''} removed`.replace(/ {2,}/g, ' '),
        consequence:
          'A statement of the topic policy was removed: whoever it allowed may no longer publish alerts.',
        severity: 'high',
        repairs: [],
        fix: REDEPLOY,
      });
  }
}

/** What each subscription attribute does to the alerts it receives (SNS SetSubscriptionAttributes). */
const SUBSCRIPTION_ATTRIBUTES: Readonly<Record<string, { severity: 'critical' | 'high'; meaning: string }>> =
  {
    FilterPolicy: {
      severity: 'critical',
      meaning:
        'A filter policy was set: this subscriber may no longer receive alerts (SNS drops every message the policy does not match), while the subscription stays confirmed and the sweep sees nothing wrong.',
    },
    FilterPolicyScope: {
      severity: 'critical',
      meaning:
        'The filter policy now applies to another part of the message: this subscriber may no longer receive alerts, while the subscription stays confirmed.',
    },
    RawMessageDelivery: {
      severity: 'high',
      meaning:
        'Raw message delivery was switched: the subscriber receives alerts in another format and may no longer read them.',
    },
    RedrivePolicy: {
      severity: 'high',
      meaning:
        "The subscription's dead-letter queue changed: alerts SNS cannot deliver go elsewhere, or are dropped.",
    },
    DeliveryPolicy: {
      severity: 'high',
      meaning: 'The retry policy changed: alerts that fail to deliver may be retried less, or not at all.',
    },
    SubscriptionRoleArn: {
      severity: 'high',
      meaning: 'The role SNS delivers with changed: without access to the stream, every alert to it fails.',
    },
  };

function judgeSubscription(input: TamperInput, topic: string): TamperVerdict {
  const { subscriptionArn, attributeName } = input.request;
  if (subscriptionArn === undefined || !subscriptionArn.startsWith(`${topic}:`)) {
    return ignore(
      `SetSubscriptionAttributes of ${subscriptionArn ?? 'no subscription'}, not one of the alert topic's`,
    );
  }
  const known = attributeName === undefined ? undefined : SUBSCRIPTION_ATTRIBUTES[attributeName];
  return report({
    resource: { kind: 'topic', name: topic, ours: true },
    headline: `Alert topic: subscription attribute ${attributeName ?? 'unknown'} changed`,
    consequence: `Subscription ${subscriptionArn}: ${known?.meaning ?? 'how this subscriber receives alerts may have changed.'}`,
    severity: known?.severity ?? 'high',
    repairs: [],
    fix: `aws sns get-subscription-attributes --subscription-arn ${subscriptionArn} (then ${REDEPLOY}, or set the attribute back)`,
  });
}

export function judgeKey(input: TamperInput, self: TamperSelf): TamperVerdict {
  const keyArn = self.own?.topicKeyArn;
  if (keyArn === undefined)
    return ignore(`${input.eventName}: the alert topic has no key of the responder's stack`);
  const keyId = keyArn.split('/').pop();
  const named = [input.request.keyId, ...input.request.resourceArns];
  if (!named.some((key) => key === keyArn || (keyId !== undefined && key === keyId))) {
    return ignore(`${input.eventName} is on key ${input.request.keyId ?? 'unknown'}, not the alert topic's`);
  }
  const resource = { kind: 'key' as const, name: keyArn, ours: true };
  if (input.eventName === 'DisableKey') {
    return report({
      resource,
      headline: "Alert topic's KMS key disabled",
      consequence:
        'SNS cannot encrypt with a disabled key: every alert fails, alerts no longer reach anyone.',
      severity: 'critical',
      disarms: true,
      repairs: [],
      fix: `aws kms enable-key --key-id ${keyArn}`,
    });
  }
  const days = input.request.pendingWindowInDays;
  return report({
    resource,
    headline: "Alert topic's KMS key scheduled for deletion",
    consequence: `The key is deleted in ${days ?? 'a few'} day(s) and disabled until then: every alert fails, alerts no longer reach anyone.`,
    severity: 'critical',
    disarms: true,
    repairs: [],
    fix: `aws kms cancel-key-deletion --key-id ${keyArn} && aws kms enable-key --key-id ${keyArn}`,
  });
}

export function judgeAlarms(input: TamperInput, self: TamperSelf): TamperVerdict {
  const own = self.own?.alarmNames ?? [];
  const hit = (input.request.alarmNames ?? []).filter((name) => own.includes(name));
  if (hit.length === 0) return ignore(`${input.eventName} names none of the responder's alarms`);
  const names = hit.join(', ');
  const resource = { kind: 'alarms' as const, name: names, ours: true };
  return input.eventName === 'DisableAlarmActions'
    ? report({
        resource,
        headline: `CloudWatch alarm actions disabled: ${names}`,
        consequence:
          'These alarms (dead-letter queue, errors, heartbeat) still change state but page nobody.',
        severity: 'high',
        repairs: [],
        fix: `aws cloudwatch enable-alarm-actions --alarm-names ${hit.join(' ')}`,
      })
    : report({
        resource,
        headline: `CloudWatch alarms deleted: ${names}`,
        consequence: 'Failed invocations, a dead function or a silent sweep no longer page anyone.',
        severity: 'high',
        repairs: [],
        fix: REDEPLOY,
      });
}

/** DeleteTable takes the table's name or its ARN (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`). */
function isStateTable(reference: string, self: TamperSelf): boolean {
  if (reference === self.tableName) return true;
  const arn = /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/(.+)$/.exec(reference);
  return (
    arn !== null &&
    arn[3] === self.tableName &&
    arn[1] === self.region &&
    (self.accountId === undefined || arn[2] === self.accountId)
  );
}

export function judgeTable(input: TamperInput, self: TamperSelf): TamperVerdict {
  const table = input.request.tableName;
  if (table === undefined || !isStateTable(table, self)) {
    return ignore(`DeleteTable of ${table ?? 'no table'}, not the state table`);
  }
  return report({
    resource: { kind: 'table', name: self.tableName, ours: true },
    headline: `State table ${self.tableName} deleted`,
    consequence:
      'Every claim fails, so every invocation fails after its retries (dead-letter queue): no remediation, no page from the function.',
    severity: 'critical',
    disarms: true,
    repairs: [],
    fix: `${REDEPLOY} (point-in-time recovery can restore the history)`,
  });
}
