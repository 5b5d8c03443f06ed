import { describe, expect, it } from 'vitest';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { openLive, sendMany, useScenario } from './helpers/ui-sim.js';
import type { PageGlobals } from './helpers/page-globals.js';

/** The UI at 390×844, a phone held upright: what a QA engineer on the go sees. */
const PHONE = { width: 390, height: 844 };
const ui = useBrowserSim({
  viewport: PHONE,
  beforeEach: async (sim) => {
    await useScenario(sim, { Name: 'default' });
  },
});

/**
 * Waits until a message row is drawn at each of these points of the list (fractions of its
 * height), checked on each of the page's animation frames, so after the list has rendered rather
 * than after a fixed time: under load, the scroll, the page of rows it fetches and the render take
 * what they take. Returns the ID of the row at the first point.
 */
async function rowsDrawnAt(...fractions: number[]): Promise<string> {
  const found = await ui.page.waitForFunction(
    (points) => {
      const { document } = globalThis as unknown as PageGlobals;
      const grid = document.querySelector('[role="grid"][aria-label="Messages, newest first"]');
      if (!grid) return null;
      const r = grid.getBoundingClientRect();
      const ids = points.map((f: number) => document.elementFromPoint(r.left + r.width / 2, r.top + r.height * f)?.closest('[data-id]')?.getAttribute('data-id') ?? null);
      return ids.every(Boolean) ? ids[0] : null;
    },
    fractions,
    { polling: 'raf' },
  );
  return (await found.jsonValue()) as string;
}

// Sixty messages over SMTP and two page loads per test: seconds on a loaded machine, not milliseconds.
describe('phone (chromium, 390×844)', { timeout: 60_000 }, () => {
  for (const how of ['the Back button', 'Escape', 'the browser’s Back'] as const) {
    it(`draws the rows after closing a message with ${how}, where the list was`, async () => {
      await sendMany(ui.sim, 60, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Message ${i}`, text: `body ${i}` }));
      await openLive(ui.page, ui.sim);
      const grid = ui.page.getByRole('grid', { name: 'Messages, newest first' });
      await ui.page.locator('[data-id]').first().waitFor();
      await grid.evaluate((el) => (el.scrollTop = 1500));
      const opened = await rowsDrawnAt(0.5);
      await ui.page.locator(`[data-id="${opened}"]`).click();
      await ui.page.getByRole('heading', { name: /^Message \d+$/ }).waitFor();
      if (how === 'the Back button') await ui.page.getByRole('button', { name: /^Back/ }).click();
      else if (how === 'Escape') await ui.page.keyboard.press('Escape');
      else await ui.page.goBack();
      await grid.waitFor();
      // Without any scrolling: the rows are drawn, top to bottom, and the one just read is where it was.
      await rowsDrawnAt(0.1, 0.9);
      const box = await ui.page.locator(`[data-id="${opened}"]`).boundingBox();
      expect(box && box.y > 0 && box.y < PHONE.height).toBe(true);
      await snapshot(ui.page, `phone-back-${how.replace(/\W+/g, '-')}`);
      expect(ui.problems).toEqual([]);
    });
  }

  it('keeps every view in the navigation on screen', async () => {
    await sendMany(ui.sim, 12, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Unread ${i}`, text: 'x' }));
    await openLive(ui.page, ui.sim);
    await ui.page.getByRole('navigation', { name: 'Views' }).getByText('12').waitFor();
    const nav = ui.page.getByRole('navigation', { name: 'Views' });
    expect(await nav.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    for (const name of ['Inbox', 'Sessions', 'Scenarios', 'Stats']) {
      const box = (await nav.getByRole('link', { name: new RegExp(`^${name}`) }).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    await snapshot(ui.page, 'phone-nav');
  });

  it('fits the scenario tables to the screen instead of scrolling sideways', async () => {
    await fetch(`${ui.sim.url}/api/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ when: { phase: 'rcpt', recipient: '*@example.net' }, count: 3, action: { reply: { code: 450, enhanced: '4.2.1', text: 'Mailbox busy, try again later' } } }) });
    await useScenario(ui.sim, { Name: 'greylisting' });
    await sendMany(ui.sim, 1, () => ({ from: 'app@example.com', to: 'ann@example.org', subject: 'x', text: 'x' })).catch(() => undefined);
    await openLive(ui.page, ui.sim, '/scenarios');
    await ui.page.locator('tr[data-listener]').first().waitFor();
    await ui.page.locator('#counters-title ~ table').waitFor();
    const overflowing = await ui.page.evaluate(() => {
      const { document, innerWidth } = globalThis as unknown as PageGlobals;
      return [...document.querySelectorAll('table')].flatMap((table: any) => {
        const panel = table.closest('.panel');
        return panel.scrollWidth > panel.clientWidth + 1 || table.getBoundingClientRect().right > innerWidth + 1 ? [table.closest('section')?.getAttribute('aria-labelledby') ?? '?'] : [];
      });
    });
    expect(overflowing).toEqual([]);
    expect(await ui.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await snapshot(ui.page, 'phone-scenarios-top');
    await ui.page.locator('#faults-title').scrollIntoViewIfNeeded();
    await snapshot(ui.page, 'phone-scenarios-faults');
    await ui.page.locator('#counters-title').scrollIntoViewIfNeeded();
    await snapshot(ui.page, 'phone-scenarios-counters');
  });
});
