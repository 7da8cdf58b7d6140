import { type ChildProcess, spawn } from 'node:child_process';

/** A moto_server child process bound to a free loopback port. */
export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const READY_LINE = /Running on (http:\/\/127\.0\.0\.1:\d+)/;
const INSTALL_HINT =
  'moto_server was not found on PATH. Install it with `python3 -m pip install "moto[server]==5.2.1"` ' +
  '(it is preinstalled on the project machines) and run the command again.';

/** Starts moto_server on a free port and resolves once it answers; rejects with an install hint if it is missing. */
export async function startMotoServer(timeoutMs = 20_000): Promise<MotoServer> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(`moto_server did not report its port within ${timeoutMs} ms. Output so far:\n${output}`),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY_LINE.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new Error(INSTALL_HINT, { cause: error }) : error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited with code ${code} before it was ready. Output:\n${output}`));
    });
  });
  // Keep draining both pipes: a full pipe would block moto_server.
  child.stdout?.removeAllListeners('data').resume();
  child.stderr?.removeAllListeners('data').resume();
  await waitUntilReady(endpoint, timeoutMs);
  return { endpoint, stop: () => stopChild(child) };
}

async function waitUntilReady(endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`moto_server at ${endpoint} did not answer`, { cause: error });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
