import { Duration } from 'aws-cdk-lib';
import type * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ResponderScope } from '../../handlers/contract.js';
import { addAlarms, type ResponderAlarms } from './alarms.js';
import { addAlertTopic } from './alert-topic.js';
import { addSlackChannel } from './chat.js';
import { addDashboard } from './dashboard.js';
import { addResponderFunction } from './function.js';
import { METRIC_NAMES, responderMetric } from './metrics.js';
import { type GuardDutyDriftResponderProps, resolveProps } from './props.js';
import { type AuditQueryName, addAuditQueries, auditWidgets } from './queries.js';
import { addTamperRules } from './tamper.js';
import { addTriggers } from './triggers.js';

export type { ResponderAlarms } from './alarms.js';
export type { GuardDutyDriftResponderProps, SlackChannelProps } from './props.js';

/**
 * The GuardDuty EKS Runtime Monitoring drift responder for one account and Region: the function, the CloudTrail
 * rule and the sweep schedule that invoke it, the tamper watch (docs/tamper.md), its state table, the encrypted alert
 * topic (e-mail, optional Slack), the dead-letter queue, the alarms and a dashboard.
 *
 * Each concern is a helper in its own file of `infra/responder/`, called with this construct as its scope: every
 * construct id, and so every logical id, is the one of the construct's first release (a new intermediate construct
 * would rename them, and CloudFormation would replace the state table, the key, the topic, the queue and the log
 * group). `test/infra/logical-ids.test.ts` holds them to that. The order of the calls is the order of the template.
 */
export class GuardDutyDriftResponder extends Construct {
  /** The responder function. */
  readonly function: nodejs.NodejsFunction;
  /** The function's execution role: exactly the statements of its one policy (`FunctionPolicy`), nothing managed. */
  readonly role: iam.Role;
  /** Alert topic: the function's notifications and the alarms. */
  readonly topic: sns.Topic;
  /** Customer-managed key encrypting the topic. */
  readonly topicKey: kms.Key;
  /** Dead letters of the function (async on-failure), the rule targets and the e-mail subscriptions. */
  readonly deadLetterQueue: sqs.Queue;
  /** Idempotency records and remediation history (contract: `pk`, `sk`, TTL `expiresAt`). */
  readonly stateTable: dynamodb.Table;
  /** Rule on the CloudTrail records of the supported GuardDuty calls. */
  readonly eventRule: events.Rule;
  /** Schedule of the sweep. */
  readonly sweepRule: events.Rule;
  /** Rule on the calls that blind or disarm the responder, to the function (docs/tamper.md). */
  readonly tamperRule: events.Rule;
  /** Rule on the calls that stop the function, straight to the topic (docs/tamper.md). */
  readonly deadFunctionRule: events.Rule;
  /** Compliance metric of this Region, as the handler publishes it. */
  readonly complianceMetric: cloudwatch.Metric;
  /** What the function watches: this account's detector, or the organization (delegated administrator). */
  readonly scope: ResponderScope;
  /** The alarms, all wired to the topic. */
  readonly alarms: ResponderAlarms;
  readonly dashboard: cloudwatch.Dashboard;
  /** The function's log group: the audit trail. */
  readonly logGroup: logs.LogGroup;
  /** The Logs Insights saved queries of the audit trail (infra/responder/queries.ts). */
  readonly auditQueries: Record<AuditQueryName, logs.QueryDefinition>;
  /** The Slack channel configuration, when `slack` is set. */
  readonly slackChannel: chatbot.SlackChannelConfiguration | undefined;

  constructor(scope: Construct, id: string, props: GuardDutyDriftResponderProps = {}) {
    super(scope, id);
    const settings = resolveProps(this, props);
    this.scope = settings.scope;

    const alerts = addAlertTopic(this, settings);
    this.topicKey = alerts.topicKey;
    this.topic = alerts.topic;
    this.deadLetterQueue = alerts.deadLetterQueue;

    const responderFunction = addResponderFunction(this, settings, alerts);
    this.stateTable = responderFunction.stateTable;
    this.role = responderFunction.role;
    this.function = responderFunction.function;
    this.logGroup = responderFunction.logGroup;

    const triggers = addTriggers(this, settings, this.function, this.deadLetterQueue);
    this.eventRule = triggers.eventRule;
    this.sweepRule = triggers.sweepRule;
    const tamper = addTamperRules(this, settings, {
      fn: this.function,
      alerts,
      stateTable: this.stateTable,
    });
    this.tamperRule = tamper.tamperRule;
    this.deadFunctionRule = tamper.deadFunctionRule;

    this.slackChannel = settings.slack
      ? addSlackChannel(this, settings.slack, this.topic, settings.region)
      : undefined;

    const metric = responderMetric(settings);
    this.complianceMetric = metric(METRIC_NAMES.compliance, cloudwatch.Stats.MINIMUM, Duration.minutes(1));
    this.alarms = addAlarms(this, settings, {
      topic: this.topic,
      complianceMetric: this.complianceMetric,
      metric,
      fn: this.function,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.dashboard = addDashboard(this, settings, { metric, fn: this.function, alarms: this.alarms });
    this.dashboard.addWidgets(...auditWidgets(settings, metric, this.logGroup));
    this.auditQueries = addAuditQueries(this, settings, this.logGroup);
  }
}
