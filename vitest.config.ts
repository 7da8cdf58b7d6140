import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/moto-global-setup.ts'],
    setupFiles: ['test/support/env.ts'],
    // moto is shared by every file: each file uses its own Region so parallel files never see each other's state.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
