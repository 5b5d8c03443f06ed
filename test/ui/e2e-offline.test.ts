import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestSim } from '../helpers/sim.js';
import { launchBrowser, snapshot } from './helpers/browser.js';
import { sendMany, startUiSim } from './helpers/ui-sim.js';

/** With the API unreachable, every view says so in words and offers a retry, instead of "Failed to fetch" under "Loading…". */
let sim: TestSim;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let down = true;

beforeAll(async () => {
  [sim, { browser, close: closeBrowser }] = await Promise.all([startUiSim(), launchBrowser()]);
  await sendMany(sim, 2, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Kept ${i}`, text: 'x' }));
});
afterAll(async () => {
  await Promise.all([closeBrowser(), sim.stop()]);
});
beforeEach(async () => {
  await page?.close();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  down = true;
  // The page loads (from cache, a service worker, or a server that just died); its API calls and live feed fail.
  await page.route(/\/(api\/v1\/|metrics)/, (route) => (down ? route.abort('connectionrefused') : route.continue()));
  await page.routeWebSocket(/\/api\/events$/, (ws) => (down ? ws.close({ code: 1006 }) : ws.connectToServer()));
});

const VIEWS = [
  { path: '/', back: () => page.locator('[data-id]').first().waitFor() },
  { path: '/sessions', back: () => page.locator('[data-session]').first().waitFor() },
  { path: '/scenarios', back: () => page.locator('tr[data-listener]').first().waitFor() },
  { path: '/stats', back: () => page.locator('tr[data-code]').first().waitFor() },
];

describe('offline (chromium)', () => {
  for (const view of VIEWS) {
    it(`${view.path} says the server is unreachable and recovers on retry`, async () => {
      await page.goto(`${sim.url}${view.path}`);
      const alert = page.getByRole('alert').filter({ hasText: /mailsim is unreachable/ }).first();
      await alert.waitFor();
      expect(await page.getByText('Failed to fetch').count()).toBe(0);
      expect(await page.getByText('Loading…').count()).toBe(0);
      await snapshot(page, `offline-${view.path === '/' ? 'inbox' : view.path.slice(1)}`);
      down = false;
      await alert.getByRole('button', { name: 'Retry' }).click();
      await view.back();
      expect(await page.getByText(/mailsim is unreachable/).count()).toBe(0);
    });
  }
});
