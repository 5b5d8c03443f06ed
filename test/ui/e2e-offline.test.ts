import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { sendMany } from './helpers/ui-sim.js';

/** With the API unreachable, every view says so in words and offers a retry, instead of "Failed to fetch" under "Loading…". */
const ui = useBrowserSim({ reset: false });
let down = true;

beforeAll(async () => {
  await sendMany(ui.sim, 2, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Kept ${i}`, text: 'x' }));
});
// A fresh page per test (not the file's kept one): its routes make the API unreachable, and each test loads it afresh.
beforeEach(async () => {
  down = true;
  await ui.newPage({ width: 1440, height: 900 });
  // The page loads (from cache, a service worker, or a server that just died); its API calls and live feed fail.
  await ui.page.route(/\/(api\/v1\/|metrics)/, (route) => (down ? route.abort('connectionrefused') : route.continue()));
  await ui.page.routeWebSocket(/\/api\/events$/, (ws) => (down ? ws.close({ code: 1006 }) : ws.connectToServer()));
});

const VIEWS = [
  { path: '/', back: () => ui.page.locator('[data-id]').first().waitFor() },
  { path: '/sessions', back: () => ui.page.locator('[data-session]').first().waitFor() },
  { path: '/scenarios', back: () => ui.page.locator('tr[data-listener]').first().waitFor() },
  { path: '/stats', back: () => ui.page.locator('tr[data-code]').first().waitFor() },
];

describe('offline (chromium)', () => {
  for (const view of VIEWS) {
    it(`${view.path} says the server is unreachable and recovers on retry`, async () => {
      await ui.page.goto(`${ui.sim.url}${view.path}`);
      const alert = ui.page.getByRole('alert').filter({ hasText: /mailsim is unreachable/ }).first();
      await alert.waitFor();
      expect(await ui.page.getByText('Failed to fetch').count()).toBe(0);
      expect(await ui.page.getByText('Loading…').count()).toBe(0);
      await snapshot(ui.page, `offline-${view.path === '/' ? 'inbox' : view.path.slice(1)}`);
      down = false;
      await alert.getByRole('button', { name: 'Retry' }).click();
      await view.back();
      expect(await ui.page.getByText(/mailsim is unreachable/).count()).toBe(0);
    });
  }
});
