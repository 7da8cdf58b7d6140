/**
 * The minimal organization sweep: the calls the responder made (recorded, with their inputs), sent again through the
 * same SDK clients on the floor's own schedule, with no responder around them — no parsing of what comes back beyond
 * what the SDK does, no evaluation, no logging, no limiter. It shows what the SDK and the machine cost on the sweep's
 * critical path: the wall floor (bench/org-scale.ts) counts latency only, and no client that serialises, signs,
 * sends and parses a ListMembers page can reach it.
 *
 * The schedule is the floor's: ListDetectors; then at once the ListMembers chain (each page after the previous one)
 * and every other read of the sweep; each page's GetMemberDetectors as soon as that page is in, all of them in flight
 * together if need be; then the tail one step at a time — the claim (with the writes beside it), every
 * UpdateMemberDetectors, every read-back, the Publish, and what comes after it (the settle, the metrics) together.
 */
import type { AwsCall } from './aws-recorder.js';
import { type Clients, replay } from './replay.js';

/** The recorded calls of one sweep, sorted into the floor's steps. */
export interface MinimalPlan {
  readonly first: readonly AwsCall[];
  readonly chain: readonly AwsCall[];
  readonly pageReads: readonly AwsCall[];
  readonly alongside: readonly AwsCall[];
  readonly tail: readonly (readonly AwsCall[])[];
}

export function planMinimal(recorded: readonly AwsCall[]): MinimalPlan {
  const calls = [...recorded].sort((a, b) => a.start - b.start);
  const updates = calls.filter((call) => call.command === 'UpdateMemberDetectors');
  const firstUpdate = Math.min(...updates.map((call) => call.start));
  const publish = calls.find((call) => call.command === 'Publish');
  const publishAt = publish?.start ?? Number.POSITIVE_INFINITY;
  const claimAt = calls.find((call) => call.command === 'UpdateItem')?.start ?? Number.POSITIVE_INFINITY;
  const tailFrom = Math.min(claimAt, firstUpdate, publishAt);
  const first = calls.filter((call) => call.command === 'ListDetectors').slice(0, 1);
  const chain = calls.filter((call) => call.command === 'ListMembers');
  const pageReads = calls.filter((call) => call.command === 'GetMemberDetectors' && call.start < tailFrom);
  const placed = new Set<AwsCall>([...first, ...chain, ...pageReads]);
  const step = (pick: (call: AwsCall) => boolean) => {
    const picked = calls.filter((call) => !placed.has(call) && pick(call));
    for (const call of picked) placed.add(call);
    return picked;
  };
  const tail = [
    step((call) => call.start >= tailFrom && call.start < Math.min(firstUpdate, publishAt)),
    step((call) => call.command === 'UpdateMemberDetectors'),
    step((call) => call.command === 'GetMemberDetectors' && call.start < publishAt),
    step((call) => call.command === 'Publish'),
    step((call) => call.start >= publishAt),
  ].filter((calls) => calls.length > 0);
  const alongside = calls.filter((call) => !placed.has(call));
  return { first, chain, pageReads, alongside, tail };
}

export interface MinimalResult {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly calls: number;
  readonly failed: number;
}

/** Sends the plan's calls through `clients` on the floor's schedule; times it like the responder's sweep. */
export async function runMinimal(clients: Clients, plan: MinimalPlan): Promise<MinimalResult> {
  let sent = 0;
  let failed = 0;
  const send = async (call: AwsCall): Promise<void> => {
    sent += 1;
    await replay(clients, call).catch(() => {
      failed += 1;
    });
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const call of plan.first) await send(call);
  const alongside = Promise.all(plan.alongside.map(send));
  const reads: Promise<void>[] = [];
  let released = 0;
  const release = (upTo: number) => {
    for (; released < Math.min(upTo, plan.pageReads.length); released += 1) {
      const read = plan.pageReads[released];
      if (read) reads.push(send(read));
    }
  };
  for (const [index, page] of plan.chain.entries()) {
    await send(page);
    release(index + 1);
  }
  release(plan.pageReads.length);
  await Promise.all([alongside, ...reads]);
  for (const step of plan.tail) await Promise.all(step.map(send));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, calls: sent, failed };
}
