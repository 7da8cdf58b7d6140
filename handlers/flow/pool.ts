/** Runs `task` over `items` with at most `limit` in flight; never rejects, reports each result in order. */
export async function settleWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * A limiter for work that arrives over time (pages of a listing): `run(task)` starts it when fewer than `limit`
 * are in flight, else queues it. The returned promise never rejects: it settles with the task's result.
 */
export function createLimiter(limit: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    active -= 1;
    queue.shift()?.();
  };
  return function run<R>(task: () => Promise<R>): Promise<PromiseSettledResult<R>> {
    return new Promise((resolve) => {
      const start = () => {
        active += 1;
        task()
          .then(
            (value) => resolve({ status: 'fulfilled', value }),
            (reason: unknown) => resolve({ status: 'rejected', reason }),
          )
          .finally(release);
      };
      if (active < limit) start();
      else queue.push(start);
    });
  };
}
