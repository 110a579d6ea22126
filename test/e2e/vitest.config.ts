import { defineConfig } from 'vitest/config';

// Browser tests: real headless Chromium (Debian `chromium`) driving the built dashboard against a
// real hub. The global setup builds the web app first.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/build-web.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    env: { TZ: 'UTC' },
  },
});
