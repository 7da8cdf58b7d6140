import type { EventBridgeClient, EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import type { EventRulesPort } from '../ports.js';

type Sdk = typeof import('@aws-sdk/client-eventbridge');

/**
 * The responder's own rules. The SDK module is imported and the client built on first use: only the tamper watch and
 * the sweep's wiring check need EventBridge, so the cold start of every other invocation does not evaluate it.
 */
export function eventBridgeAdapter(config: EventBridgeClientConfig): EventRulesPort {
  let connection: Promise<{ sdk: Sdk; client: EventBridgeClient }> | undefined;
  const connect = () => {
    connection ??= import('@aws-sdk/client-eventbridge').then((sdk) => ({
      sdk,
      client: new sdk.EventBridgeClient(config),
    }));
    return connection;
  };
  const notFound = (error: unknown) => error instanceof Error && error.name === 'ResourceNotFoundException';
  return {
    async ruleState(name) {
      const { sdk, client } = await connect();
      try {
        const rule = await client.send(new sdk.DescribeRuleCommand({ Name: name }));
        return rule.State ?? 'UNKNOWN';
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async enableRule(name) {
      const { sdk, client } = await connect();
      await client.send(new sdk.EnableRuleCommand({ Name: name }));
    },
    async targets(name) {
      const { sdk, client } = await connect();
      const targets: { id: string; arn: string }[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await client.send(
            new sdk.ListTargetsByRuleCommand({ Rule: name, NextToken: nextToken }),
          );
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
      const { sdk, client } = await connect();
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
        new sdk.PutTargetsCommand({
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
