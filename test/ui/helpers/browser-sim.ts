import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ConfigInput } from '../../../server/config/config.js';
import type { TestSim } from '../../helpers/sim.js';
import { launchBrowser, watchProblems } from './browser.js';
import { startUiSim } from './ui-sim.js';

export interface BrowserSimOptions {
  /**
   * The mailsim's configuration (startSim's defaults apply: free loopback ports, in-memory store);
   * a function is called in beforeAll, after the file's own earlier beforeAll hooks (servers the
   * configuration points at, on ports known only then).
   */
  config?: ConfigInput | (() => ConfigInput);
  /** Each test gets a fresh page of this size, watched for page errors and CSP violations. */
  viewport?: { width: number; height: number };
  /** Before each test, before the store is reset: what else the file puts back (a scenario, the clock). */
  beforeEach?: (sim: TestSim) => Promise<void>;
  /** false: the store is not reset before each test (the file seeds it once, in its own beforeAll). */
  reset?: boolean;
}

/** What a browser test file works with; read its fields inside hooks and tests (they change per test). */
export interface BrowserSim {
  readonly sim: TestSim;
  readonly browser: Browser;
  /** This test's page (only with `viewport`). */
  readonly page: Page;
  /** Page errors and CSP violations on this test's page so far: a test asserts it stays empty. */
  readonly problems: string[];
  /**
   * Replaces this test's page with a fresh one of another size (closed after the test), with
   * these context options too (a colour scheme, credentials).
   */
  newPage(viewport: { width: number; height: number }, options?: Omit<BrowserContextOptions, 'viewport'>): Promise<Page>;
}

/**
 * The set-up every browser test file shares: one in-process mailsim and the run's chromium for
 * the file (see launchBrowser), and before each test the file's own restore step, a reset store
 * and a fresh page. Call it at the top level of the file:
 *
 *   const ui = useBrowserSim({ viewport: { width: 1440, height: 900 } });
 *   it('…', async () => { await openLive(ui.page, ui.sim); expect(ui.problems).toEqual([]); });
 */
export function useBrowserSim(options: BrowserSimOptions = {}): BrowserSim {
  let sim: TestSim | undefined;
  let browser: Browser | undefined;
  let close: (() => Promise<void>) | undefined;
  let page: Page | undefined;
  let problems: string[] = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useBrowserSim: no ${what} yet (read it inside a hook or a test)`);
    return value;
  };
  const open = async (viewport: { width: number; height: number }, options: Omit<BrowserContextOptions, 'viewport'> = {}): Promise<Page> => {
    await page?.close();
    page = await need(browser, 'browser').newPage({ ...options, viewport });
    problems = await watchProblems(page);
    return page;
  };
  beforeAll(async () => {
    const config = typeof options.config === 'function' ? options.config() : options.config;
    [sim, { browser, close }] = await Promise.all([startUiSim(config), launchBrowser()]);
  });
  afterAll(async () => {
    await Promise.all([close?.(), sim?.stop()]);
  });
  beforeEach(async () => {
    const current = need(sim, 'mailsim');
    await options.beforeEach?.(current);
    if (options.reset !== false) await current.harness.reset();
    await page?.close();
    page = undefined;
    problems = [];
    if (options.viewport) await open(options.viewport);
  });
  return {
    get sim() {
      return need(sim, 'mailsim');
    },
    get browser() {
      return need(browser, 'browser');
    },
    get page() {
      return need(page, 'page');
    },
    get problems() {
      return problems;
    },
    newPage: open,
  };
}
