import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestSim } from '../helpers/sim.js';
import { launchBrowser, snapshot, watchProblems } from './helpers/browser.js';
import { openLive, sendMany, startUiSim, useScenario } from './helpers/ui-sim.js';
import type { PageGlobals } from './helpers/page-globals.js';

/** The UI at 390×844, a phone held upright: what a QA engineer on the go sees. */
let sim: TestSim;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let problems: string[];

const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  [sim, { browser, close: closeBrowser }] = await Promise.all([startUiSim(), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([closeBrowser(), sim.stop()]);
});
beforeEach(async () => {
  await useScenario(sim, { Name: 'default' });
  await sim.harness.reset();
  await page?.close();
  page = await browser.newPage({ viewport: PHONE });
  problems = await watchProblems(page);
});

/** The message row drawn at a point of the list, or null where the list is blank. */
function rowAt(fraction: number): Promise<string | null> {
  return page.getByRole('grid', { name: 'Messages, newest first' }).evaluate((grid, f) => {
    const { document } = globalThis as unknown as PageGlobals;
    const r = grid.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height * f);
    return hit?.closest('[data-id]')?.getAttribute('data-id') ?? null;
  }, fraction);
}

describe('phone (chromium, 390×844)', () => {
  for (const how of ['the Back button', 'Escape', 'the browser’s Back'] as const) {
    it(`draws the rows after closing a message with ${how}, where the list was`, async () => {
      await sendMany(sim, 60, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Message ${i}`, text: `body ${i}` }));
      await openLive(page, sim);
      const grid = page.getByRole('grid', { name: 'Messages, newest first' });
      await page.locator('[data-id]').first().waitFor();
      await grid.evaluate((el) => (el.scrollTop = 1500));
      await expect.poll(() => rowAt(0.5)).not.toBeNull();
      const opened = (await rowAt(0.5))!;
      await page.locator(`[data-id="${opened}"]`).click();
      await page.getByRole('heading', { name: /^Message \d+$/ }).waitFor();
      if (how === 'the Back button') await page.getByRole('button', { name: /^Back/ }).click();
      else if (how === 'Escape') await page.keyboard.press('Escape');
      else await page.goBack();
      await grid.waitFor();
      // Without any scrolling: the rows are drawn, and the one just read is where it was.
      await expect.poll(() => rowAt(0.1), { timeout: 2000 }).not.toBeNull();
      expect(await rowAt(0.9)).not.toBeNull();
      const box = await page.locator(`[data-id="${opened}"]`).boundingBox();
      expect(box && box.y > 0 && box.y < PHONE.height).toBe(true);
      await snapshot(page, `phone-back-${how.replace(/\W+/g, '-')}`);
      expect(problems).toEqual([]);
    });
  }

  it('keeps every view in the navigation on screen', async () => {
    await sendMany(sim, 12, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Unread ${i}`, text: 'x' }));
    await openLive(page, sim);
    await page.getByRole('navigation', { name: 'Views' }).getByText('12').waitFor();
    const nav = page.getByRole('navigation', { name: 'Views' });
    expect(await nav.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    for (const name of ['Inbox', 'Sessions', 'Scenarios', 'Stats']) {
      const box = (await nav.getByRole('link', { name: new RegExp(`^${name}`) }).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    await snapshot(page, 'phone-nav');
  });

  it('fits the scenario tables to the screen instead of scrolling sideways', async () => {
    await fetch(`${sim.url}/api/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ when: { phase: 'rcpt', recipient: '*@example.net' }, count: 3, action: { reply: { code: 450, enhanced: '4.2.1', text: 'Mailbox busy, try again later' } } }) });
    await useScenario(sim, { Name: 'greylisting' });
    await sendMany(sim, 1, () => ({ from: 'app@example.com', to: 'ann@example.org', subject: 'x', text: 'x' })).catch(() => undefined);
    await openLive(page, sim, '/scenarios');
    await page.locator('tr[data-listener]').first().waitFor();
    await page.locator('#counters-title ~ table').waitFor();
    const overflowing = await page.evaluate(() => {
      const { document, innerWidth } = globalThis as unknown as PageGlobals;
      return [...document.querySelectorAll('table')].flatMap((table: any) => {
        const panel = table.closest('.panel');
        return panel.scrollWidth > panel.clientWidth + 1 || table.getBoundingClientRect().right > innerWidth + 1 ? [table.closest('section')?.getAttribute('aria-labelledby') ?? '?'] : [];
      });
    });
    expect(overflowing).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await snapshot(page, 'phone-scenarios-top');
    await page.locator('#faults-title').scrollIntoViewIfNeeded();
    await snapshot(page, 'phone-scenarios-faults');
    await page.locator('#counters-title').scrollIntoViewIfNeeded();
    await snapshot(page, 'phone-scenarios-counters');
  });
});
