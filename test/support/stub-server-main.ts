/**
 * The stub server as a process of its own (see spawnStub in test/support/stub-client.ts): options in STUB_OPTIONS,
 * `{"endpoint": …}` on the first line of stdout; it stops when its stdin closes or its lifetime ends.
 */
import { type StubOptions, startStubServer } from './stub-server.js';

const options = JSON.parse(process.env.STUB_OPTIONS ?? '{}') as StubOptions;
const server = await startStubServer(options);
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint })}\n`);
const stop = () => {
  void server.stop().then(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
// The lifetime timer closes the server; the process then has nothing left to wait for and exits.
