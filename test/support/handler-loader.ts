import { vi } from 'vitest';

export type Handler = (event: unknown, context: import('aws-lambda').Context) => Promise<unknown>;

/**
 * Imports a fresh copy of the Lambda entry point with the given environment, as a cold start would: config is read
 * and clients are built at module scope, so the environment must be in place before the import.
 */
export async function loadHandler(env: Record<string, string | undefined>): Promise<Handler> {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  vi.resetModules();
  const module = await import('../../handlers/drift-responder.js');
  return module.handler as Handler;
}
