import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
// The handler's contract (no AWS SDK import): the rule matches exactly what the handler parses.
import {
  CLOUDTRAIL_DETAIL_TYPE,
  GUARDDUTY_EVENT_SOURCE,
  GUARDDUTY_SOURCE,
  MEMBER_LOSS_CALLS,
  ORGANIZATION_API_CALLS,
  ORGANIZATION_LOSS_CALLS,
  SUPPORTED_API_CALLS,
  TAG_API_CALLS,
} from '../../handlers/contract.js';
import { COVERAGE_DETAIL_TYPES, EKS_RESOURCE_TYPE } from '../../handlers/core/coverage.js';
import { ownResourceName, RULE_TARGET_RETRY_ATTEMPTS } from './own-resources.js';
import type { ResponderSettings } from './props.js';

/**
 * The GuardDuty API calls whose CloudTrail records the handler acts on (the rule matches exactly these), taken from
 * the handler's own lists so the rule cannot drift from what the handler parses.
 */
export const SUPPORTED_EVENT_NAMES = [
  ...SUPPORTED_API_CALLS,
  ...ORGANIZATION_API_CALLS,
  ...TAG_API_CALLS,
  // The loss paths (docs/organizations.md): in every scope, the handler's triage says what it acts on where.
  ...ORGANIZATION_LOSS_CALLS,
  ...MEMBER_LOSS_CALLS,
] as const;

/** What invokes the function. */
export interface ResponderTriggers {
  /** Rule on the CloudTrail records of the supported GuardDuty calls. */
  readonly eventRule: events.Rule;
  /** Schedule of the sweep. */
  readonly sweepRule: events.Rule;
  /** Rule on GuardDuty's own coverage events of EKS clusters (Runtime Protection Unhealthy / Healthy). */
  readonly coverageRule: events.Rule;
}

/**
 * Adds the CloudTrail rule, the sweep schedule and the coverage rule, ids `GuardDutyChangeRule`, `SweepSchedule` and
 * `CoverageEventRule` directly on `responder`, each named by `ownResourceName`. Each delivers to the function with
 * retries and parks what it cannot deliver in the dead-letter queue.
 */
export function addTriggers(
  responder: Construct,
  settings: ResponderSettings,
  fn: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
): ResponderTriggers {
  const targetOptions = {
    deadLetterQueue,
    retryAttempts: RULE_TARGET_RETRY_ATTEMPTS,
    maxEventAge: settings.maxEventAge,
  };
  const eventRule = new events.Rule(responder, 'GuardDutyChangeRule', {
    // A literal name: the function's OWN_RESOURCES lists it (infra/responder/own-resources.ts).
    ruleName: ownResourceName(responder, 'GuardDutyChangeRule'),
    description: 'GuardDuty detector changes recorded by CloudTrail, for the drift responder',
    eventPattern: {
      source: [GUARDDUTY_SOURCE],
      detailType: [CLOUDTRAIL_DETAIL_TYPE],
      // No filter on errorCode: a denied attempt to disable protection is reported too.
      detail: { eventSource: [GUARDDUTY_EVENT_SOURCE], eventName: [...SUPPORTED_EVENT_NAMES] },
    },
    targets: [new targets.LambdaFunction(fn, targetOptions)],
  });
  const sweepRule = new events.Rule(responder, 'SweepSchedule', {
    ruleName: ownResourceName(responder, 'SweepSchedule'),
    description: 'Scheduled sweep of every GuardDuty detector, for the drift responder',
    schedule: events.Schedule.rate(settings.sweepInterval),
    targets: [new targets.LambdaFunction(fn, targetOptions)],
  });
  // GuardDuty sends these itself (durable delivery, no trail needed): a setting can read ENABLED while a cluster has no
  // healthy agent. ECS and EC2 coverage are left out here, as the handler leaves them out.
  const coverageRule = new events.Rule(responder, 'CoverageEventRule', {
    ruleName: ownResourceName(responder, 'CoverageEventRule'),
    description:
      'GuardDuty runtime coverage of EKS clusters turning unhealthy or healthy, for the drift responder',
    eventPattern: {
      source: [GUARDDUTY_SOURCE],
      detailType: [...COVERAGE_DETAIL_TYPES],
      detail: { resourceDetails: { resourceType: [EKS_RESOURCE_TYPE] } },
    },
    targets: [new targets.LambdaFunction(fn, targetOptions)],
  });
  return { eventRule, sweepRule, coverageRule };
}
