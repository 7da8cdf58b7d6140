import { main } from '../cli/main.js';

// The exit code is set, not forced: pending output is flushed before the process ends.
process.exitCode = await main(process.argv.slice(2));
