/**
 * zod/mini for every schema at the edge, configured once, before any schema is built: `jitless`, so no schema
 * compiles a parser of its own with `new Function`. That compilation pays off over thousands of parses of one
 * shape; the responder parses its environment once per process and one event per invocation, so at a cold start
 * it was pure cost (and a function that never evaluates generated code is easier to reason about). Import `z`
 * from here, never from 'zod/mini' directly (test/edge/schema.test.ts checks both).
 */
import { config } from 'zod/mini';

config({ jitless: true });

export * from 'zod/mini';

/**
 * A value built the first time it is asked for, then kept: a schema of one kind of input is built when the first
 * input of that kind arrives, so a cold start pays only for the kinds it meets.
 */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}
