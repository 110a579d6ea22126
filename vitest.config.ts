import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites each start a real server on a real DuckDB file; two cores, so two at a time.
    maxWorkers: 2,
    env: { TZ: 'UTC' },
  },
});
