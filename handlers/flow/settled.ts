/**
 * An invocation's independent parts, run side by side (one part's failure must not hide another's page): all settle,
 * every failure is logged with its causes, then the first fails the invocation so Lambda retries it. Throwing only
 * the first would lose the others from the log, and a retry that succeeds would leave no trace of them.
 */
import { describeChain } from '../errors.js';
import type { LogPort } from '../ports.js';

/** Awaits every part; returns their values in order, or throws the first failure after logging each one. */
export async function settleAll<T extends readonly unknown[] | []>(
  logger: LogPort,
  eventId: string,
  parts: { readonly [K in keyof T]: string },
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results: readonly PromiseSettledResult<unknown>[] = await Promise.allSettled(promises);
  const names: readonly string[] = parts;
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [{ part: names[index] ?? `part ${index}`, error: result.reason }] : [],
  );
  for (const failure of failures) {
    logger.error('part-failed', {
      eventId,
      part: failure.part,
      failedParts: failures.length,
      error: describeChain(failure.error),
    });
  }
  const [first] = failures;
  if (first !== undefined) throw first.error;
  return results.map((result) => (result.status === 'fulfilled' ? result.value : undefined)) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
