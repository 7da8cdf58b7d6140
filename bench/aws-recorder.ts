import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

export interface AwsCall {
  readonly command: string;
  /** performance.now() when `client.send` entered the middleware stack and when it settled. */
  readonly start: number;
  readonly end: number;
  readonly failed: boolean;
  /** What the request says about itself (DynamoDB only): which item or query, so an extra call can be explained. */
  readonly detail: string | undefined;
  /** The command's input as sent (kept by reference: the SDK does not change it), for a replay. */
  readonly input: object;
}

const field = (input: object, name: string): unknown => Reflect.get(input, name);

/** `Query[count detector#…]`, `Query[consistent claim#event#…]`, `UpdateItem[claim]`: read from the request. */
export function describeRequest(command: string, input: object): string | undefined {
  if (command === 'Query') {
    const values = field(input, 'ExpressionAttributeValues');
    const pk = values && typeof values === 'object' ? field(values, ':pk') : undefined;
    const key = pk && typeof pk === 'object' ? String(field(pk, 'S') ?? '') : '';
    const kind =
      field(input, 'Select') === 'COUNT'
        ? 'count'
        : field(input, 'ConsistentRead')
          ? 'consistent read'
          : 'read';
    return `${kind} ${key.split('#').slice(0, 2).join('#')}#…`;
  }
  if (command === 'PutItem') return 'settle';
  if (command === 'UpdateItem') return 'claim';
  return undefined;
}

/**
 * Counts and times every AWS call with an SDK middleware at the very start of the `initialize` step: one record per
 * `client.send`, named by the SDK's own `commandName`, timed over the whole SDK pipeline (serialise, sign, HTTP with
 * any retries, deserialise). Nothing is inferred from reading the responder's code.
 */
export class AwsCallRecorder {
  private calls: AwsCall[] = [];

  instrument<Input extends object, Output extends MetadataBearer>(
    stack: MiddlewareStack<Input, Output>,
  ): void {
    stack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
        const detail = describeRequest(command, args.input);
        const start = performance.now();
        let failed = true;
        try {
          const result = await next(args);
          failed = false;
          return result;
        } finally {
          this.calls.push({ command, start, end: performance.now(), failed, detail, input: args.input });
        }
      },
      { step: 'initialize', name: 'benchAwsCallRecorder', priority: 'high' },
    );
  }

  /** The calls recorded since the last take, left in place. */
  peek(): readonly AwsCall[] {
    return this.calls;
  }

  /** The calls recorded since the last take, oldest first. */
  take(): AwsCall[] {
    const calls = this.calls;
    this.calls = [];
    return calls;
  }
}

/** Wall time during which at least one AWS call was in flight (the union of the intervals, so overlap counts once). */
export function awsBusyMs(calls: readonly AwsCall[]): number {
  const intervals = calls.map((call) => [call.start, call.end] as const).sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let openStart = Number.NEGATIVE_INFINITY;
  let openEnd = Number.NEGATIVE_INFINITY;
  for (const [start, end] of intervals) {
    if (start > openEnd) {
      if (openEnd > openStart) busy += openEnd - openStart;
      openStart = start;
      openEnd = end;
    } else if (end > openEnd) {
      openEnd = end;
    }
  }
  if (openEnd > openStart) busy += openEnd - openStart;
  return busy;
}

/**
 * How many round trips had to finish, one after another, before a call could start: the longest chain of calls,
 * each started after the previous one ended, that ended before it. Calls in flight together count once.
 */
export function roundTripsBefore(calls: readonly AwsCall[], target: AwsCall): number {
  const depth = new Map<AwsCall, number>();
  const ordered = [...calls].sort((a, b) => a.start - b.start);
  for (const call of ordered) {
    let deepest = 0;
    for (const earlier of ordered) {
      if (earlier.end <= call.start) deepest = Math.max(deepest, depth.get(earlier) ?? 0);
    }
    depth.set(call, deepest + 1);
  }
  return (depth.get(target) ?? 1) - 1;
}

/** `{ GetDetector: 2, Publish: 1 }` from a list of command names. */
export function tally(commands: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const command of commands) counts[command] = (counts[command] ?? 0) + 1;
  return counts;
}
