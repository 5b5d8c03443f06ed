import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { ConfigInput } from '../../../server/config/config.js';
import type { TestSim } from '../../helpers/sim.js';
import { launchBrowser, watchProblems } from './browser.js';
import { keepPage, settle } from './kept-page.js';
import { startUiSim } from './ui-sim.js';

export interface BrowserSimOptions {
  /**
   * The mailsim's configuration (startSim's defaults apply: free loopback ports, in-memory store);
   * a function is called in beforeAll, after the file's own earlier beforeAll hooks (servers the
   * configuration points at, on ports known only then).
   */
  config?: ConfigInput | (() => ConfigInput);
  /**
   * The file's page, of this size, watched for page errors and CSP violations: kept from test to
   * test, each test reaching its view with openLive through the app's router (see kept-page.ts).
   * Before each test it is put back to what a fresh load shows, or replaced by a fresh page when
   * it cannot be (a menu left open, a theme chosen, storage written, a failed test).
   */
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
  /** This test's page: the file's kept page (only with `viewport`), or the one newPage opened. */
  readonly page: Page;
  /** Page errors and CSP violations on this test's page so far: a test asserts it stays empty. */
  readonly problems: string[];
  /**
   * A fresh page for this test (closed after it), of this size and with these context options (a
   * colour scheme, credentials): for a test that changes what the kept page cannot put back (init
   * scripts, routes, a cut WebSocket, emulated media) or that needs a fresh load. openLive loads it
   * in full every time.
   */
  newPage(viewport: { width: number; height: number }, options?: Omit<BrowserContextOptions, 'viewport'>): Promise<Page>;
}

/**
 * The set-up every browser test file shares: one in-process mailsim and the run's chromium for
 * the file (see launchBrowser), and before each test the file's own restore step, a reset store
 * and the file's page as a fresh load shows it. Call it at the top level of the file:
 *
 *   const ui = useBrowserSim({ viewport: { width: 1440, height: 900 } });
 *   it('…', async () => { await openLive(ui.page, ui.sim); expect(ui.problems).toEqual([]); });
 */
export function useBrowserSim(options: BrowserSimOptions = {}): BrowserSim {
  let sim: TestSim | undefined;
  let browser: Browser | undefined;
  let close: (() => Promise<void>) | undefined;
  /** The file's page, kept from test to test, and its problems (emptied before each test). */
  let kept: { page: Page; problems: string[] } | undefined;
  /** This test's own page (newPage), closed after it. */
  let own: { page: Page; problems: string[] } | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useBrowserSim: no ${what} yet (read it inside a hook or a test)`);
    return value;
  };
  const fresh = async (viewport: { width: number; height: number }, contextOptions: Omit<BrowserContextOptions, 'viewport'> = {}) => {
    const page = await need(browser, 'browser').newPage({ ...contextOptions, viewport });
    return { page, problems: await watchProblems(page) };
  };
  const open = async (viewport: { width: number; height: number }, contextOptions: Omit<BrowserContextOptions, 'viewport'> = {}): Promise<Page> => {
    await own?.page.close();
    own = await fresh(viewport, contextOptions);
    return own.page;
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
    if (!options.viewport) return;
    if (kept && !(await settle(kept.page, options.viewport))) {
      await kept.page.close();
      kept = undefined;
    }
    if (!kept) {
      kept = await fresh(options.viewport);
      keepPage(kept.page);
    }
    kept.problems.length = 0;
  });
  afterEach(async (context) => {
    await own?.page.close();
    own = undefined;
    // A test that failed part-way may have left anything: the next one starts on a fresh page.
    if (context.task.result?.state === 'fail' && kept) {
      await kept.page.close();
      kept = undefined;
    }
  });
  return {
    get sim() {
      return need(sim, 'mailsim');
    },
    get browser() {
      return need(browser, 'browser');
    },
    get page() {
      return need((own ?? kept)?.page, 'page');
    },
    get problems() {
      return (own ?? kept)?.problems ?? [];
    },
    newPage: open,
  };
}
