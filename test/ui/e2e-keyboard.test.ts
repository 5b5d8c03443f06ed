import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { openLive, sendMany } from './helpers/ui-sim.js';
import type { PageGlobals } from './helpers/page-globals.js';

/** Keyboard and screen-reader use: structure, Tab order, focus after opening and closing, quiet live regions. */
const ui = useBrowserSim({ viewport: { width: 1440, height: 900 } });

const focused = () => ui.page.evaluate(() => {
  const { document } = globalThis as unknown as PageGlobals;
  const el = document.activeElement;
  return { tag: el?.tagName ?? '', id: el?.getAttribute('data-id') ?? null, row: el?.getAttribute('aria-rowindex') ?? null, text: el?.textContent?.trim() ?? '' };
});

describe('keyboard and screen readers (chromium)', () => {
  it('has one h1 per view, rows that are rows, a tablist of tabs and a Back button named as it reads', async () => {
    const [id] = await sendMany(ui.sim, 1, () => ({ from: 'app@example.com', to: 'ann@example.org', subject: 'Structure', html: '<p>x</p>', text: 'x' }));
    await sendMany(ui.sim, 1, () => ({ from: 'app@example.com', to: 'ann@example.org', subject: 'Second', text: 'x' }));
    for (const path of ['/', '/sessions', '/scenarios', '/stats']) {
      await openLive(ui.page, ui.sim, path);
      await expect.poll(() => ui.page.locator('h1').count(), { message: path }).toBe(1);
    }
    await ui.page.goto(`${ui.sim.url}/sessions`);
    await ui.page.locator('[data-session]').first().waitFor();
    expect(await ui.page.locator('a[role="row"], a[role="gridcell"]').count()).toBe(0);
    expect(await ui.page.locator('[data-session][role="row"]').first().getByRole('link').count()).toBe(1);
    await ui.page.goto(`${ui.sim.url}/message/${id}`);
    await ui.page.getByRole('tab', { name: 'HTML' }).waitFor();
    expect(await ui.page.locator('[role="tablist"] [role="group"]').count()).toBe(0);
    expect(await ui.page.locator('[role="tablist"] > :not([role="tab"])').count()).toBe(0);
    const back = ui.page.locator('.message button.back');
    const label = (await back.getAttribute('aria-label')) ?? (await back.innerText());
    expect(label.toLowerCase()).toContain((await back.innerText()).replace(/[^\w\s]/g, '').trim().toLowerCase());
    expect(label).not.toMatch(/close message/i);
  });

  it('puts the rows in the Tab order, moves with arrows, focuses the message on open and the row on close', async () => {
    await sendMany(ui.sim, 5, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Keyboard ${i}`, text: `body ${i}` }));
    await openLive(ui.page, ui.sim);
    await ui.page.locator('[data-id]').first().waitFor();
    await ui.page.getByRole('searchbox').focus();
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await ui.page.keyboard.press('Tab');
      reached = (await focused()).id !== null;
    }
    expect(reached).toBe(true);
    expect((await focused()).row).toBe('1');
    await ui.page.keyboard.press('ArrowDown');
    await expect.poll(async () => (await focused()).row).toBe('2');
    const row = (await focused()).id;
    await ui.page.keyboard.press('Enter');
    await ui.page.getByRole('heading', { name: 'Keyboard 3' }).waitFor();
    await expect.poll(async () => (await focused()).text).toBe('Keyboard 3');
    await snapshot(ui.page, 'keyboard-message-focused');
    await ui.page.keyboard.press('Escape');
    await expect.poll(async () => (await focused()).id).toBe(row);
    expect(ui.problems).toEqual([]);
  });

  it('on a phone, focus lands on the opened message, not on the page body', async () => {
    await sendMany(ui.sim, 3, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Phone ${i}`, text: 'x' }));
    await ui.page.setViewportSize({ width: 390, height: 844 });
    await openLive(ui.page, ui.sim);
    await ui.page.locator('[data-id]', { hasText: 'Phone 1' }).click();
    await ui.page.getByRole('heading', { name: 'Phone 1' }).waitFor();
    await expect.poll(async () => (await focused()).text).toBe('Phone 1');
  });

  it('announces a burst of mail a few times, not once per frame', async () => {
    await openLive(ui.page, ui.sim);
    await ui.page.getByText('No mail yet').waitFor();
    await ui.page.evaluate(() => {
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
    const senders = Array.from({ length: 4 }, () => nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true, pool: true, maxConnections: 1 }));
    await Promise.all(
      senders.map(async (sender, s) => {
        for (let i = 0; i < 40; i++) await sender.sendMail({ from: 'burst@example.com', to: 'ann@example.org', subject: `Burst ${s}-${i}`, text: 'x' });
        sender.close();
      }),
    );
    await ui.page.getByText('160 messages, 160 unread').waitFor();
    const announcements = (await ui.page.evaluate('window.__announcements')) as number;
    expect(announcements).toBeLessThanOrEqual(4);
  });
});
