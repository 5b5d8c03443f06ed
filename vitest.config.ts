import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Spawned servers and real clients: keep file-level parallelism to the two cores we have.
    maxWorkers: 2,
    // The browser tests drive the built UI (dist/ui): rebuild it first when ui/ is newer.
    globalSetup: ['test/ui/global-setup.ts'],
  },
});
