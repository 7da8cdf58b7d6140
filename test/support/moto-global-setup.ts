import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { type MotoServer, startMotoServer } from './moto-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

let server: MotoServer | undefined;

/** One moto_server for the whole run; test files reach it through `inject('motoEndpoint')`. */
export async function setup(project: TestProject): Promise<void> {
  server = await startMotoServer();
  project.provide('motoEndpoint', server.endpoint);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
