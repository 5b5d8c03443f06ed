import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestSim } from '../helpers/sim.js';
import { launchBrowser, snapshot, watchProblems } from './helpers/browser.js';
import { openLive, sendMany, startUiSim } from './helpers/ui-sim.js';
import type { PageGlobals } from './helpers/page-globals.js';

/** Keyboard and screen-reader use: structure, Tab order, focus after opening and closing, quiet live regions. */
let sim: TestSim;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let problems: string[];

beforeAll(async () => {
  [sim, { browser, close: closeBrowser }] = await Promise.all([startUiSim(), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([closeBrowser(), sim.stop()]);
});
beforeEach(async () => {
  await sim.harness.reset();
  await page?.close();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  problems = await watchProblems(page);
});

const focused = () => page.evaluate(() => {
  const { document } = globalThis as unknown as PageGlobals;
  const el = document.activeElement;
  return { tag: el?.tagName ?? '', id: el?.getAttribute('data-id') ?? null, row: el?.getAttribute('aria-rowindex') ?? null, text: el?.textContent?.trim() ?? '' };
});

describe('keyboard and screen readers (chromium)', () => {
  it('has one h1 per view, rows that are rows, a tablist of tabs and a Back button named as it reads', async () => {
    const [id] = await sendMany(sim, 1, () => ({ from: 'app@example.com', to: 'ann@example.org', subject: 'Structure', html: '<p>x</p>', text: 'x' }));
    await sendMany(sim, 1, () => ({ from: 'app@example.com', to: 'ann@example.org', subject: 'Second', text: 'x' }));
    for (const path of ['/', '/sessions', '/scenarios', '/stats']) {
      await openLive(page, sim, path);
      await expect.poll(() => page.locator('h1').count(), { message: path }).toBe(1);
    }
    await page.goto(`${sim.url}/sessions`);
    await page.locator('[data-session]').first().waitFor();
    expect(await page.locator('a[role="row"], a[role="gridcell"]').count()).toBe(0);
    expect(await page.locator('[data-session][role="row"]').first().getByRole('link').count()).toBe(1);
    await page.goto(`${sim.url}/message/${id}`);
    await page.getByRole('tab', { name: 'HTML' }).waitFor();
    expect(await page.locator('[role="tablist"] [role="group"]').count()).toBe(0);
    expect(await page.locator('[role="tablist"] > :not([role="tab"])').count()).toBe(0);
    const back = page.locator('.message button.back');
    const label = (await back.getAttribute('aria-label')) ?? (await back.innerText());
    expect(label.toLowerCase()).toContain((await back.innerText()).replace(/[^\w\s]/g, '').trim().toLowerCase());
    expect(label).not.toMatch(/close message/i);
  });

  it('puts the rows in the Tab order, moves with arrows, focuses the message on open and the row on close', async () => {
    await sendMany(sim, 5, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Keyboard ${i}`, text: `body ${i}` }));
    await openLive(page, sim);
    await page.locator('[data-id]').first().waitFor();
    await page.getByRole('searchbox').focus();
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await focused()).id !== null;
    }
    expect(reached).toBe(true);
    expect((await focused()).row).toBe('1');
    await page.keyboard.press('ArrowDown');
    await expect.poll(async () => (await focused()).row).toBe('2');
    const row = (await focused()).id;
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Keyboard 3' }).waitFor();
    await expect.poll(async () => (await focused()).text).toBe('Keyboard 3');
    await snapshot(page, 'keyboard-message-focused');
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await focused()).id).toBe(row);
    expect(problems).toEqual([]);
  });

  it('on a phone, focus lands on the opened message, not on the page body', async () => {
    await sendMany(sim, 3, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Phone ${i}`, text: 'x' }));
    await page.setViewportSize({ width: 390, height: 844 });
    await openLive(page, sim);
    await page.locator('[data-id]', { hasText: 'Phone 1' }).click();
    await page.getByRole('heading', { name: 'Phone 1' }).waitFor();
    await expect.poll(async () => (await focused()).text).toBe('Phone 1');
  });

  it('announces a burst of mail a few times, not once per frame', async () => {
    await openLive(page, sim);
    await page.getByText('No mail yet').waitFor();
    await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      const { document, Element, MutationObserver } = w;
      w.__announcements = 0;
      const live = (node: any) => {
        const el = node instanceof Element ? node : node?.parentElement;
        const region = el?.closest('[aria-live], [role="status"], [role="alert"], [role="log"]');
        return region !== null && region !== undefined && region.getAttribute('aria-live') !== 'off';
      };
      new MutationObserver((records) => {
        if (records.some((r) => live(r.target))) w.__announcements++;
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const senders = Array.from({ length: 4 }, () => nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, pool: true, maxConnections: 1 }));
    await Promise.all(
      senders.map(async (sender, s) => {
        for (let i = 0; i < 40; i++) await sender.sendMail({ from: 'burst@example.com', to: 'ann@example.org', subject: `Burst ${s}-${i}`, text: 'x' });
        sender.close();
      }),
    );
    await page.getByText('160 messages, 160 unread').waitFor();
    const announcements = (await page.evaluate('window.__announcements')) as number;
    expect(announcements).toBeLessThanOrEqual(4);
  });
});
