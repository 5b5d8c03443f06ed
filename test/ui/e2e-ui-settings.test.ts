import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClockInfo, MessagesSummary, SessionsList } from '../../server/protocol.js';
import { run } from '../helpers/processes.js';
import { getJson, type TestSim } from '../helpers/sim.js';
import { launchBrowser, snapshot, watchProblems } from './helpers/browser.js';
import type { PageGlobals } from './helpers/page-globals.js';
import { openLive, sendMany, startUiSim, useScenario } from './helpers/ui-sim.js';

/** Issue 15: first run, theme toggle, reset everything, notifications, shortcuts overlay, search help. */
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
  await page?.context().close();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  problems = await watchProblems(page);
});

const theme = () => page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dataset.theme as string);
const background = () => page.evaluate(() => {
  const g = globalThis as unknown as PageGlobals;
  return g.getComputedStyle(g.document.documentElement).backgroundColor;
});

describe('settings and first run (chromium)', { timeout: 60_000 }, () => {
  it('the empty inbox names the real listener, with settings for nodemailer, Django, Odoo and swaks', async () => {
    await openLive(page, sim);
    await page.getByRole('heading', { name: 'No mail yet' }).waitFor();
    expect(await page.locator('[data-listener-address]').allTextContents()).toEqual([`127.0.0.1:${sim.smtpPort}`]);
    const snippet = page.locator('pre[data-client]');
    expect(await snippet.textContent()).toContain(`host: '127.0.0.1',\n  port: ${sim.smtpPort},`);
    for (const [client, expected] of [
      ['Django', `EMAIL_HOST = '127.0.0.1'\nEMAIL_PORT = ${sim.smtpPort}`],
      ['Odoo', `smtp_server = 127.0.0.1\nsmtp_port = ${sim.smtpPort}`],
      ['swaks', `swaks --server 127.0.0.1:${sim.smtpPort} --from app@example.com --to ann@example.org`],
    ] as const) {
      await page.getByRole('group', { name: 'Settings for' }).getByRole('button', { name: client }).click();
      await expect.poll(() => snippet.textContent()).toContain(expected);
    }
    await snapshot(page, 'first-run');
    // The swaks line as shown delivers a message.
    const args = ((await snippet.textContent()) ?? '').split(' ').slice(1);
    expect((await run('swaks', args)).code).toBe(0);
    await page.locator('[data-id]').first().waitFor();
    expect(problems).toEqual([]);
  });

  it('switches the theme (system, light, dark) and keeps the choice across a reload', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await openLive(page, sim);
    expect(await theme()).toBe('dark');
    const dark = await background();
    await page.getByRole('group', { name: 'Settings' }).waitFor({ state: 'attached' });
    await page.getByLabel('Settings', { exact: true }).first().click();
    await page.getByRole('radio', { name: 'Light' }).check();
    expect(await theme()).toBe('light');
    expect(await background()).not.toBe(dark);
    await snapshot(page, 'settings-menu-light');
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ state: 'attached' });
    expect(await theme()).toBe('light');
    await page.getByLabel('Settings', { exact: true }).first().click();
    await page.getByRole('radio', { name: 'System' }).check();
    expect(await theme()).toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(theme).toBe('light');
    expect(problems).toEqual([]);
  });

  it('resets everything after saying what it resets', async () => {
    await sendMany(sim, 2, (i) => ({ from: 'a@example.com', to: 'b@example.org', subject: `m${i}`, text: 'x' }));
    await useScenario(sim, { Name: 'gmail' });
    await fetch(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '1h' }) });
    await openLive(page, sim);
    await page.locator('[data-id]').nth(1).waitFor();
    await page.getByLabel('Settings', { exact: true }).first().click();
    await page.getByRole('button', { name: 'Reset everything…' }).click();
    const what = page.locator('#reset-what');
    for (const part of ['every message', 'every session', 'start-up scenario', 'counters', 'one-shot faults', 'real time']) expect(await what.textContent()).toContain(part);
    await snapshot(page, 'reset-confirm');
    await page.getByRole('button', { name: 'Yes, reset everything' }).click();
    await page.getByRole('status').filter({ hasText: 'Reset: mailsim is as it was at start-up.' }).waitFor();
    expect((await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.total).toBe(0);
    expect((await getJson<SessionsList>(`${sim.url}/api/v1/sessions`)).body.total).toBe(0);
    expect((await getJson<ClockInfo>(`${sim.url}/api/v1/clock`)).body.OffsetMs).toBe(0);
    expect((await getJson(`${sim.url}/api/v1/scenarios`)).body.listeners[0].Scenario).toBe('default');
    await page.getByRole('heading', { name: 'No mail yet' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('asks for notification permission only on click, then notifies of new mail', async () => {
    await page.addInitScript({
      content: `window.__notes = []; window.__asked = 0;
        window.Notification = class { constructor(title, options) { window.__notes.push({ title, body: options && options.body }); } };
        window.Notification.permission = 'default';
        window.Notification.requestPermission = async () => { window.__asked++; window.Notification.permission = 'granted'; return 'granted'; };`,
    });
    await openLive(page, sim);
    await page.getByRole('heading', { name: 'No mail yet' }).waitFor();
    expect(await page.evaluate('window.__asked')).toBe(0);
    await page.getByLabel('Settings', { exact: true }).first().click();
    await page.getByRole('button', { name: 'Notify me of new mail' }).click();
    await page.getByText('On: a notification for new mail.').waitFor();
    expect(await page.evaluate('window.__asked')).toBe(1);
    await sendMany(sim, 1, () => ({ from: 'Shop <shop@example.com>', to: 'b@example.org', subject: 'Order shipped', text: 'x' }));
    await expect.poll(() => page.evaluate('window.__notes')).toEqual([{ title: 'Order shipped', body: 'From Shop' }]);
    expect(problems).toEqual([]);
  });

  it('opens the shortcut list with ? or its button, and runs a shortcut from it (tablets)', async () => {
    await sendMany(sim, 2, (i) => ({ from: 'a@example.com', to: 'b@example.org', subject: `Note ${i}`, text: 'x' }));
    await openLive(page, sim);
    await page.locator('[data-id]').nth(1).waitFor();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    await snapshot(page, 'shortcuts');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await dialog.getByRole('button', { name: 'Do it: Next message' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await dialog.page().getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await dialog.getByRole('button', { name: 'Do it: Open the message under the cursor' }).click();
    await page.getByRole('heading', { name: 'Note 1' }).waitFor();
    // The search language is explained beside the inbox's box.
    await page.goto(`${sim.url}/`);
    await page.getByText('Search help').click();
    await page.getByRole('table', { name: 'Message search terms' }).getByRole('button', { name: 'is:unread' }).click();
    expect(await page.getByRole('searchbox', { name: 'Search messages' }).inputValue()).toBe('is:unread');
    expect(problems).toEqual([]);
  });
});
