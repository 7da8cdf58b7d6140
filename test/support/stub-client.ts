/**
 * Drives a stub server (test/support/stub-server.ts) in another process through its admin routes, and starts one
 * in a child process: the benchmark keeps the stub's CPU and memory out of the responder's figures that way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { StubCall, StubOptions, StubSettings, WorldSpec } from './stub-server.js';

export interface StubState {
  readonly driftedMembers: number | undefined;
  readonly published: readonly { readonly subject: string; readonly bytes: number }[];
  readonly metricPoints: number;
  readonly items: number;
}

export class StubClient {
  constructor(readonly endpoint: string) {}

  settings(settings: Partial<StubSettings>): Promise<StubSettings> {
    return this.post('settings', settings);
  }

  reset(spec: WorldSpec = {}): Promise<{ detectorIds: string[]; adminDetectorId: string | undefined }> {
    return this.post('reset', spec);
  }

  async addDetector(
    spec: WorldSpec['detectors'] extends readonly (infer D)[] | undefined ? D : never,
  ): Promise<string> {
    return (await this.post<{ id: string }>('detectors', spec)).id;
  }

  async removeDetector(id: string): Promise<void> {
    await this.post('detectors/remove', { id });
  }

  async takeCalls(): Promise<StubCall[]> {
    return (await this.post<{ calls: StubCall[] }>('calls/take', {})).calls;
  }

  state(): Promise<StubState> {
    return this.post('state', {});
  }

  /** Remembers the detectors and the table, to put back with restore(). */
  async snapshot(): Promise<void> {
    await this.post('snapshot', {});
  }

  async restore(): Promise<void> {
    await this.post('restore', {});
  }

  private async post<T>(route: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.endpoint}/__stub/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const payload = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(`stub ${route}: ${response.status} ${payload.error ?? ''}`);
    return payload;
  }
}

export interface SpawnedStub {
  readonly endpoint: string;
  readonly client: StubClient;
  readonly process: ChildProcess;
  /** Ends the child (closing its stdin, which it watches) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the stub in its own Node process from `entry` (a bundle of test/support/stub-server-main.ts, or the .ts
 * file with `execArgv: ['--import', 'tsx']`). The child prints its endpoint, stops when its stdin closes (this
 * process exiting closes it too) and after `maxLifetimeMs` in any case.
 */
export function spawnStub(
  entry: string,
  options: StubOptions = {},
  execArgv: readonly string[] = [],
): Promise<SpawnedStub> {
  const child = spawn(process.execPath, [...execArgv, entry], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '', STUB_OPTIONS: JSON.stringify(options) },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`stub server exited (${code}) before it listened`)));
    const lines = createInterface({ input: child.stdout ?? process.stdin });
    lines.once('line', (line) => {
      const { endpoint } = JSON.parse(line) as { endpoint: string };
      resolve({
        endpoint,
        client: new StubClient(endpoint),
        process: child,
        stop: async () => {
          child.stdin?.end();
          await exited;
        },
      });
    });
  });
}
