/**
 * The tamper watch's writes, shared by the tamper event and the sweep's wiring check: EnableRule, PutTargets (the
 * target as deployed, with its dead-letter queue and retry policy) and StartLogging, each read back (DescribeRule,
 * ListTargetsByRule, GetTrailStatus). In notify mode nothing is written; the alert says what would be.
 */
import type { RepairResult } from '../../alerts/tamper.js';
import { TAMPER_REPAIR_FAILED_METRIC, TAMPER_REPAIRED_METRIC } from '../../contract.js';
import { expectedTargetArn, type TamperRepair, trailNameOf } from '../../core/tamper.js';
import { describeError } from '../../errors.js';
import type { InvocationContext } from '../context.js';

/** The function's own ARN, unqualified (what its rule targets); undefined when the runtime does not say. */
export function functionArnOf(context: InvocationContext): string | undefined {
  const { self, config } = context;
  if (self.functionName === undefined || self.accountId === undefined) return undefined;
  const partition = /^arn:(aws[a-z-]*):/.exec(config.notificationTopicArn)?.[1] ?? 'aws';
  return `arn:${partition}:lambda:${self.region}:${self.accountId}:function:${self.functionName}`;
}

function describeRepair(repair: TamperRepair): string {
  switch (repair.kind) {
    case 'enable-rule':
      return `EnableRule on rule ${repair.rule.name}`;
    case 'restore-target':
      return `PutTargets on rule ${repair.rule.name} (target ${repair.rule.targetId} as deployed)`;
    case 'start-logging':
      return `StartLogging on trail ${repair.trailArn}`;
  }
}

/** Applies each repair in turn and reads it back; a failure is a result, never thrown (the caller pages it). */
export async function applyRepairs(
  context: InvocationContext,
  repairs: readonly TamperRepair[],
): Promise<RepairResult[]> {
  if (context.config.mode === 'notify') {
    return repairs.map((repair) => ({
      action: describeRepair(repair),
      status: 'would-repair',
      detail: 'nothing written',
    }));
  }
  const results: RepairResult[] = [];
  for (const repair of repairs) {
    const action = describeRepair(repair);
    try {
      const readBack = await apply(context, repair);
      results.push({
        action,
        status: readBack.confirmed ? 'confirmed' : 'unconfirmed',
        detail: readBack.detail,
      });
    } catch (error) {
      results.push({ action, status: 'failed', detail: describeError(error) });
    }
  }
  for (const result of results) {
    context.metrics.count(
      result.status === 'confirmed' ? TAMPER_REPAIRED_METRIC : TAMPER_REPAIR_FAILED_METRIC,
    );
  }
  return results;
}

async function apply(
  context: InvocationContext,
  repair: TamperRepair,
): Promise<{ confirmed: boolean; detail: string }> {
  const { rules, trails } = context.deps;
  switch (repair.kind) {
    case 'enable-rule': {
      if (rules === undefined) throw new Error('EventBridge is not wired in');
      await rules.enableRule(repair.rule.name);
      const state = await rules.ruleState(repair.rule.name);
      return { confirmed: state === 'ENABLED', detail: `DescribeRule reads ${state ?? 'no such rule'}` };
    }
    case 'restore-target': {
      if (rules === undefined) throw new Error('EventBridge is not wired in');
      const { rule } = repair;
      const arn = expectedTargetArn(rule, functionArnOf(context), context.config.notificationTopicArn);
      if (arn === undefined) throw new Error("the function's own ARN is unknown (no Lambda context)");
      await rules.putTarget(rule.name, {
        id: rule.targetId,
        arn,
        deadLetterQueueArn: rule.deadLetterQueueArn,
        retryAttempts: rule.retryAttempts,
        maxEventAgeSeconds: rule.maxEventAgeSeconds,
      });
      const targets = await rules.targets(rule.name);
      const back = targets?.some((target) => target.id === rule.targetId && target.arn === arn) === true;
      return {
        confirmed: back,
        detail: back
          ? `ListTargetsByRule lists ${rule.targetId} → ${arn}`
          : `ListTargetsByRule does not list ${rule.targetId} → ${arn}`,
      };
    }
    case 'start-logging': {
      if (trails === undefined) throw new Error('CloudTrail is not wired in');
      // By name: the trail is this Region's own (StartLogging works only in its home Region), and moto 5.2.1 answers
      // StartLogging by ARN with a 404 although AWS takes either.
      await trails.startLogging(trailNameOf(repair.trailArn));
      const logging = await trails.isLogging(repair.trailArn);
      return {
        confirmed: logging === true,
        detail: `GetTrailStatus reads IsLogging ${logging === undefined ? 'no such trail' : String(logging)}`,
      };
    }
  }
}
