import { createServer, type Socket } from 'node:net';

/** A loopback TCP server that accepts every connection, reads what is sent and never answers. */
export interface SilentServer {
  readonly endpoint: string;
  /** Connections accepted so far: proof that the client got through and then waited. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/**
 * The endpoint that hung `check` for 200 s: the TCP handshake succeeds (so a connection timeout never fires) and then
 * nothing comes back. Only a request timeout that throws ends such a call.
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('data', () => undefined); // drain the request, answer nothing
    socket.on('error', () => undefined); // the client gives up with a reset
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the silent server has no TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    connections: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
