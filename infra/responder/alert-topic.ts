import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ResponderSettings } from './props.js';

/** The alert topic, its key and the dead-letter queue shared by the function, the rules and the e-mails. */
export interface AlertTopic {
  readonly topicKey: kms.Key;
  readonly topic: sns.Topic;
  readonly deadLetterQueue: sqs.Queue;
}

/**
 * Adds the customer-managed key, the encrypted topic (CloudWatch alarms of this account may publish), the
 * dead-letter queue and the e-mail subscriptions, with ids `TopicKey`, `Topic`, `DeadLetterQueue` directly on
 * `responder`: the logical ids of the construct's first release, kept so an upgrade never replaces them.
 */
export function addAlertTopic(responder: Construct, settings: ResponderSettings): AlertTopic {
  const topicKey = new kms.Key(responder, 'TopicKey', {
    description: 'Encrypts the GuardDuty drift responder alert topic',
    enableKeyRotation: true,
    // The key protects messages in flight only; once the topic is gone it has nothing left to decrypt.
    // Deletion is still scheduled with the 30-day waiting period, so a mistaken teardown can be undone.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const alarmSourceConditions = {
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
  };
  topicKey.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccountToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: alarmSourceConditions,
    }),
  );

  const topic = new sns.Topic(responder, 'Topic', {
    displayName: 'GuardDuty drift responder',
    masterKey: topicKey,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccountToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: alarmSourceConditions,
    }),
  );

  const deadLetterQueue = new sqs.Queue(responder, 'DeadLetterQueue', {
    // SQS-managed keys: EventBridge, Lambda destinations and SNS can all write without a key policy, and the
    // function needs no KMS permission for it.
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself the dead-letter queue (of the function, the rule targets and the e-mail ' +
      'subscriptions); nothing consumes it automatically, so it needs no dead-letter queue of its own.',
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself the dead-letter queue; operators inspect and redrive it by hand after the ' +
      'dead-letter alarm, so a further redrive target would only hide messages.',
  });

  for (const email of settings.notificationEmails) {
    // A failed delivery is kept in the dead-letter queue (and alarms) instead of vanishing.
    topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue }));
  }
  return { topicKey, topic, deadLetterQueue };
}
