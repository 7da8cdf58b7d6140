import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CLUSTERS_UNHEALTHY_METRIC } from '../../handlers/core/coverage.js';
import { METRIC_NAMES, ORGANIZATION_METRIC_NAMES, type ResponderMetric } from './metrics.js';
import { ownResourceName } from './own-resources.js';
import type { ResponderSettings } from './props.js';

/** The alarms, all wired to the topic (alarm and OK actions). */
export interface ResponderAlarms {
  readonly nonCompliance: cloudwatch.Alarm;
  readonly heartbeat: cloudwatch.Alarm;
  readonly functionErrors: cloudwatch.Alarm;
  readonly deadLetters: cloudwatch.Alarm;
  /** An EKS cluster has had no healthy runtime agent for `coverageAlarmAfter`. */
  readonly coverageUnhealthy: cloudwatch.Alarm;
  /** Organization scope only: the organization's auto-enable setting is below the target. */
  readonly organizationAutoEnable?: cloudwatch.Alarm;
}

/** What the alarms watch and where they send their state changes. */
export interface AlarmSources {
  readonly topic: sns.ITopic;
  readonly complianceMetric: cloudwatch.Metric;
  readonly metric: ResponderMetric;
  readonly fn: lambda.IFunction;
  readonly deadLetterQueue: sqs.Queue;
}

/**
 * Adds the five alarms (six in organization scope), ids `NonComplianceAlarm`, `HeartbeatAlarm`,
 * `FunctionErrorsAlarm`, `DeadLettersAlarm`, `CoverageUnhealthyAlarm` and `OrganizationAutoEnableAlarm` directly on
 * `responder`, each named by `ownResourceName` (the function's OWN_RESOURCES lists the names).
 */
export function addAlarms(
  responder: Construct,
  settings: ResponderSettings,
  sources: AlarmSources,
): ResponderAlarms {
  const { metric } = sources;
  const alarmAction = new cloudwatchActions.SnsAction(sources.topic);
  const wire = (alarm: cloudwatch.Alarm): cloudwatch.Alarm => {
    alarm.addAlarmAction(alarmAction);
    alarm.addOkAction(alarmAction);
    return alarm;
  };
  return {
    nonCompliance: wire(
      new cloudwatch.Alarm(responder, 'NonComplianceAlarm', {
        alarmName: ownResourceName(responder, 'NonComplianceAlarm'),
        alarmDescription:
          'An evaluation found GuardDuty EKS Runtime Monitoring off (or its agent management off) in this ' +
          'Region. Stays in alarm until an evaluation finds it compliant again (missing data keeps the state).',
        metric: sources.complianceMetric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      }),
    ),
    heartbeat: wire(
      new cloudwatch.Alarm(responder, 'HeartbeatAlarm', {
        alarmName: ownResourceName(responder, 'HeartbeatAlarm'),
        alarmDescription:
          'No compliance evaluation for two sweep intervals: the sweep or the function is not running, so ' +
          'drift would go unnoticed.',
        metric: metric(METRIC_NAMES.compliance, cloudwatch.Stats.SAMPLE_COUNT, settings.sweepInterval),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    ),
    functionErrors: wire(
      new cloudwatch.Alarm(responder, 'FunctionErrorsAlarm', {
        alarmName: ownResourceName(responder, 'FunctionErrorsAlarm'),
        alarmDescription:
          'The drift responder function failed. Lambda retries twice, then the event goes to the dead-letter ' +
          'queue; see the function logs.',
        metric: sources.fn.metricErrors({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.SUM,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ),
    deadLetters: wire(
      new cloudwatch.Alarm(responder, 'DeadLettersAlarm', {
        alarmName: ownResourceName(responder, 'DeadLettersAlarm'),
        alarmDescription:
          'Events or alerts were not delivered and wait in the dead-letter queue: a drift may be unhandled. ' +
          'Inspect the messages, fix the cause, then redrive or delete them.',
        metric: sources.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ),
    coverageUnhealthy: wire(coverageAlarm(responder, settings, metric)),
    ...(settings.scope === 'organization'
      ? {
          organizationAutoEnable: wire(
            new cloudwatch.Alarm(responder, 'OrganizationAutoEnableAlarm', {
              alarmName: ownResourceName(responder, 'OrganizationAutoEnableAlarm'),
              alarmDescription:
                "The organization's auto-enable setting of EKS Runtime Monitoring (or of its agent management) " +
                'was found below the target, so member accounts may be left unprotected. Stays in alarm until ' +
                'an evaluation finds it at the target again (missing data keeps the state).',
              metric: metric(
                ORGANIZATION_METRIC_NAMES.autoEnableCompliant,
                cloudwatch.Stats.MINIMUM,
                Duration.minutes(1),
              ),
              threshold: 1,
              comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
              evaluationPeriods: 1,
              treatMissingData: cloudwatch.TreatMissingData.IGNORE,
            }),
          ),
        }
      : {}),
  };
}

/**
 * Unhealthy EKS clusters > 0 at every sweep for `coverageAlarmAfter` (rounded up to whole sweep intervals): the
 * sweep publishes the count once per run, so each period of one interval holds one datapoint. Missing data (no
 * sweep, or an endpoint without the coverage API) keeps the state: the heartbeat alarm reports a sweep that stopped.
 */
function coverageAlarm(
  responder: Construct,
  settings: ResponderSettings,
  metric: ResponderMetric,
): cloudwatch.Alarm {
  const sweepMinutes = settings.sweepInterval.toMinutes();
  const periods = Math.max(
    1,
    Math.ceil(settings.coverageAlarmAfter.toMinutes({ integral: false }) / sweepMinutes),
  );
  return new cloudwatch.Alarm(responder, 'CoverageUnhealthyAlarm', {
    alarmName: ownResourceName(responder, 'CoverageUnhealthyAlarm'),
    alarmDescription:
      `At least one EKS cluster of this Region (every member's, in organization scope) has had runtime coverage ` +
      `UNHEALTHY at every sweep for ${periods * sweepMinutes} minutes: GuardDuty receives no runtime events from it, ` +
      'whatever the detector setting says. The coverage alerts name each cluster, its issue and the next step; ' +
      'guardduty-drift check --coverage lists them.',
    metric: metric(CLUSTERS_UNHEALTHY_METRIC, cloudwatch.Stats.MINIMUM, settings.sweepInterval),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
  });
}
