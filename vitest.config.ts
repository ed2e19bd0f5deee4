import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real servers and child processes; two cores on CI.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
