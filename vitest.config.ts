import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', '**/node_modules/**', '**/dist/**'],
    // Cheap: creates a scratch folder only. The CLI is packed + installed lazily,
    // once per run, by the first e2e test that needs it (test/e2e/harness.ts).
    globalSetup: ['test/e2e/global-setup.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // e2e tests spawn processes; don't let a slow CI core turn them into teardown errors
    teardownTimeout: 30_000,
  },
});
