import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Spawned servers and real clients: keep file-level parallelism to the two cores we have.
    maxWorkers: 2,
    // The CLI tests run dist/server and the browser tests dist/ui: rebuild what is stale first;
    // the run gets its own TMPDIR, removed at the end.
    // The browser tests share one chromium, launched on first use (test/helpers/browser-server.ts).
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/browser-server.ts'],
    // Each test process keeps mailsim's data (MAILSIM_HOME, certificates) in that TMPDIR.
    setupFiles: ['test/helpers/worker-setup.ts'],
  },
});
