import { defineConfig } from 'vitest/config';

/**
 * Test files that may share their worker process with others (`isolate: false`): importing
 * mailsim afresh for every file cost more time than the tests of most files (on a loaded run,
 * ~1,200 of 2,200 worker-seconds). Each of these keeps to its own sims and clients and checks
 * nothing that belongs to the whole process.
 * The rest keep a process of their own, as every file did before: those that start the CLI or
 * another long-lived process, that measure something of the whole process (RSS, event-loop lag,
 * reply latency, fake timers, warnings), that take long enough that a neighbour's left-over
 * threads and memory decide whether they finish in time (they timed out in a shared run), and
 * e2e-webroot (see BROWSER for the other browser files). A new file is isolated until it is listed here.
 */
const SHARED = [
  'test/faults/**/*.test.ts',
  'test/ws/**/*.test.ts',
  ...[
    'api', 'architecture', 'bounce-action', 'bounce-webhooks', 'bounces-pop3', 'certificates', 'error-catalogue', 'fault-actions', 'faults-e2e',
    'headers', 'htpasswd', 'http-raw-range', 'inbound', 'link-check', 'mailpit-client', 'mailpit-compat', 'mailpit-contract-api',
    'mailpit-contract-cypress', 'metrics', 'openapi', 'pop3', 'pop3-clients', 'pop3-store', 'profiles', 'provider-events',
    'provider-events-queue', 'providers-others', 'readme', 'real-clients', 'retention', 'scenarios', 'search-query', 'seams', 'send-api',
    'session-outcome', 'sessions-search', 'smtp-capture', 'smtp-prepend-headers', 'smtp-protocol', 'smtp-transactions', 'store-checkpoint-thread', 'tags',
    'thumbnail', 'time-zone', 'tls', 'trace-headers', 'wait', 'webhooks',
  ].map((name) => `test/${name}.test.ts`),
];

/**
 * The browser test files that run in-process sims (all but e2e-webroot, which starts the CLI):
 * they share their worker process among themselves (`isolate: false`), so mailsim and
 * playwright-core are imported once per worker rather than once per file. Each file starts its
 * own sim and closes it and its browser contexts in afterAll; the chromium is the run's anyway.
 * A project of their own, so that they never share a process with the non-browser files.
 */
const BROWSER = ['test/ui/a11y.test.ts', 'test/ui/e2e-!(webroot).test.ts'];

/** What every project runs with; globalSetup stays at the root so that it runs once per run. */
const common = {
  testTimeout: 20_000,
  hookTimeout: 30_000,
  // Each test process keeps mailsim's data (MAILSIM_HOME, certificates) in the run's TMPDIR.
  setupFiles: ['test/helpers/worker-setup.ts'],
};

export default defineConfig({
  test: {
    ...common,
    // Spawned servers and real clients: keep file-level parallelism to the two cores we have.
    maxWorkers: 2,
    // The CLI tests run dist/server and the browser tests dist/ui: rebuild what is stale first;
    // the run gets its own TMPDIR, removed at the end.
    // The browser tests share one chromium, launched on first use (test/helpers/browser-server.ts).
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/browser-server.ts'],
    projects: [
      { test: { ...common, name: 'shared', include: SHARED, isolate: false } },
      { test: { ...common, name: 'browser', include: BROWSER, isolate: false } },
      { test: { ...common, name: 'isolated', include: ['test/**/*.test.ts'], exclude: [...SHARED, ...BROWSER] } },
    ],
  },
});
