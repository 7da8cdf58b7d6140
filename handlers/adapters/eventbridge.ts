import {
  DescribeRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  type EventBridgeClientConfig,
  ListTargetsByRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import type { EventRulesPort } from '../ports.js';

/**
 * The responder's own rules. The client is built on first use (only the tamper watch and the sweep's wiring check
 * need EventBridge). The module is imported statically: in the one-file bundle a dynamic import() keeps the whole
 * client package, a static one only the commands sent (handlers/clients.ts RESPONDER_SDK_CLIENTS).
 */
export function eventBridgeAdapter(config: EventBridgeClientConfig): EventRulesPort {
  let built: EventBridgeClient | undefined;
  const connect = () => {
    built ??= new EventBridgeClient(config);
    return built;
  };
  const notFound = (error: unknown) => error instanceof Error && error.name === 'ResourceNotFoundException';
  return {
    async ruleState(name) {
      const client = connect();
      try {
        const rule = await client.send(new DescribeRuleCommand({ Name: name }));
        return rule.State ?? 'UNKNOWN';
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async enableRule(name) {
      const client = connect();
      await client.send(new EnableRuleCommand({ Name: name }));
    },
    async targets(name) {
      const client = connect();
      const targets: { id: string; arn: string }[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await client.send(new ListTargetsByRuleCommand({ Rule: name, NextToken: nextToken }));
          for (const target of page.Targets ?? [])
            targets.push({ id: target.Id ?? '', arn: target.Arn ?? '' });
          nextToken = page.NextToken || undefined;
        } while (nextToken);
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
      return targets;
    },
    async putTarget(name, target) {
      const client = connect();
      const retry =
        target.retryAttempts === undefined && target.maxEventAgeSeconds === undefined
          ? {}
          : {
              RetryPolicy: {
                MaximumRetryAttempts: target.retryAttempts,
                MaximumEventAgeInSeconds: target.maxEventAgeSeconds,
              },
            };
      const output = await client.send(
        new PutTargetsCommand({
          Rule: name,
          Targets: [
            {
              Id: target.id,
              Arn: target.arn,
              ...(target.deadLetterQueueArn ? { DeadLetterConfig: { Arn: target.deadLetterQueueArn } } : {}),
              ...retry,
            },
          ],
        }),
      );
      const [failed] = output.FailedEntries ?? [];
      if ((output.FailedEntryCount ?? 0) > 0 || failed !== undefined) {
        throw Object.assign(
          new Error(
            `PutTargets failed for ${target.id}: ${failed?.ErrorCode ?? 'unknown'} ${failed?.ErrorMessage ?? ''}`.trim(),
          ),
          { name: failed?.ErrorCode ?? 'PutTargetsFailed' },
        );
      }
    },
  };
}
