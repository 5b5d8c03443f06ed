import { describe, expect, it } from 'vitest';
import type { ClockInfo, MessagesSummary, SessionsList } from '../../server/protocol.js';
import { run } from '../helpers/processes.js';
import { getJson } from '../helpers/sim.js';
import { snapshot } from './helpers/browser.js';
import type { PageGlobals } from './helpers/page-globals.js';
import { openLive, sendMany, useScenario } from './helpers/ui-sim.js';
import { useBrowserSim } from './helpers/browser-sim.js';

/** Issue 15: first run, theme toggle, reset everything, notifications, shortcuts overlay, search help. */
const ui = useBrowserSim({ viewport: { width: 1280, height: 800 } });

const theme = () => ui.page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dataset.theme as string);
const background = () => ui.page.evaluate(() => {
  const g = globalThis as unknown as PageGlobals;
  return g.getComputedStyle(g.document.documentElement).backgroundColor;
});

describe('settings and first run (chromium)', { timeout: 60_000 }, () => {
  it('the empty inbox names the real listener, with settings for nodemailer, Django, Odoo and swaks', async () => {
    await openLive(ui.page, ui.sim);
    await ui.page.getByRole('heading', { name: 'No mail yet' }).waitFor();
    expect(await ui.page.locator('[data-listener-address]').allTextContents()).toEqual([`127.0.0.1:${ui.sim.smtpPort}`]);
    const snippet = ui.page.locator('pre[data-client]');
    expect(await snippet.textContent()).toContain(`host: '127.0.0.1',\n  port: ${ui.sim.smtpPort},`);
    for (const [client, expected] of [
      ['Django', `EMAIL_HOST = '127.0.0.1'\nEMAIL_PORT = ${ui.sim.smtpPort}`],
      ['Odoo', `smtp_server = 127.0.0.1\nsmtp_port = ${ui.sim.smtpPort}`],
      ['swaks', `swaks --server 127.0.0.1:${ui.sim.smtpPort} --from app@example.com --to ann@example.org`],
    ] as const) {
      await ui.page.getByRole('group', { name: 'Settings for' }).getByRole('button', { name: client }).click();
      await expect.poll(() => snippet.textContent()).toContain(expected);
    }
    await snapshot(ui.page, 'first-run');
    // The swaks line as shown delivers a message.
    const args = ((await snippet.textContent()) ?? '').split(' ').slice(1);
    expect((await run('swaks', args)).code).toBe(0);
    await ui.page.locator('[data-id]').first().waitFor();
    expect(ui.problems).toEqual([]);
  });

  it('switches the theme (system, light, dark) and keeps the choice across a reload', async () => {
    await ui.page.emulateMedia({ colorScheme: 'dark' });
    await openLive(ui.page, ui.sim);
    expect(await theme()).toBe('dark');
    const dark = await background();
    await ui.page.getByRole('group', { name: 'Settings' }).waitFor({ state: 'attached' });
    await ui.page.getByLabel('Settings', { exact: true }).first().click();
    await ui.page.getByRole('radio', { name: 'Light' }).check();
    expect(await theme()).toBe('light');
    expect(await background()).not.toBe(dark);
    await snapshot(ui.page, 'settings-menu-light');
    await ui.page.reload();
    await ui.page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ state: 'attached' });
    expect(await theme()).toBe('light');
    await ui.page.getByLabel('Settings', { exact: true }).first().click();
    await ui.page.getByRole('radio', { name: 'System' }).check();
    expect(await theme()).toBe('dark');
    await ui.page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(theme).toBe('light');
    expect(ui.problems).toEqual([]);
  });

  it('resets everything after saying what it resets', async () => {
    await sendMany(ui.sim, 2, (i) => ({ from: 'a@example.com', to: 'b@example.org', subject: `m${i}`, text: 'x' }));
    await useScenario(ui.sim, { Name: 'gmail' });
    await fetch(`${ui.sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '1h' }) });
    await openLive(ui.page, ui.sim);
    await ui.page.locator('[data-id]').nth(1).waitFor();
    await ui.page.getByLabel('Settings', { exact: true }).first().click();
    await ui.page.getByRole('button', { name: 'Reset everything…' }).click();
    const what = ui.page.locator('#reset-what');
    for (const part of ['every message', 'every session', 'start-up scenario', 'counters', 'one-shot faults', 'real time']) expect(await what.textContent()).toContain(part);
    await snapshot(ui.page, 'reset-confirm');
    await ui.page.getByRole('button', { name: 'Yes, reset everything' }).click();
    await ui.page.getByRole('status').filter({ hasText: 'Reset: mailsim is as it was at start-up.' }).waitFor();
    expect((await getJson<MessagesSummary>(`${ui.sim.url}/api/v1/messages`)).body.total).toBe(0);
    expect((await getJson<SessionsList>(`${ui.sim.url}/api/v1/sessions`)).body.total).toBe(0);
    expect((await getJson<ClockInfo>(`${ui.sim.url}/api/v1/clock`)).body.OffsetMs).toBe(0);
    expect((await getJson(`${ui.sim.url}/api/v1/scenarios`)).body.listeners[0].Scenario).toBe('default');
    await ui.page.getByRole('heading', { name: 'No mail yet' }).waitFor();
    expect(ui.problems).toEqual([]);
  });

  it('asks for notification permission only on click, then notifies of new mail', async () => {
    // A page of its own: the stand-in Notification must be in place before the app starts.
    await ui.newPage({ width: 1280, height: 800 });
    await ui.page.addInitScript({
      content: `window.__notes = []; window.__asked = 0;
        window.Notification = class { constructor(title, options) { window.__notes.push({ title, body: options && options.body }); } };
        window.Notification.permission = 'default';
        window.Notification.requestPermission = async () => { window.__asked++; window.Notification.permission = 'granted'; return 'granted'; };`,
    });
    await openLive(ui.page, ui.sim);
    await ui.page.getByRole('heading', { name: 'No mail yet' }).waitFor();
    expect(await ui.page.evaluate('window.__asked')).toBe(0);
    await ui.page.getByLabel('Settings', { exact: true }).first().click();
    await ui.page.getByRole('button', { name: 'Notify me of new mail' }).click();
    await ui.page.getByText('On: a notification for new mail.').waitFor();
    expect(await ui.page.evaluate('window.__asked')).toBe(1);
    await sendMany(ui.sim, 1, () => ({ from: 'Shop <shop@example.com>', to: 'b@example.org', subject: 'Order shipped', text: 'x' }));
    await expect.poll(() => ui.page.evaluate('window.__notes')).toEqual([{ title: 'Order shipped', body: 'From Shop' }]);
    expect(ui.problems).toEqual([]);
  });

  it('opens the shortcut list with ? or its button, and runs a shortcut from it (tablets)', async () => {
    await sendMany(ui.sim, 2, (i) => ({ from: 'a@example.com', to: 'b@example.org', subject: `Note ${i}`, text: 'x' }));
    await openLive(ui.page, ui.sim);
    await ui.page.locator('[data-id]').nth(1).waitFor();
    await ui.page.keyboard.press('?');
    const dialog = ui.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    await snapshot(ui.page, 'shortcuts');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await ui.page.setViewportSize({ width: 820, height: 1180 });
    await ui.page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await dialog.getByRole('button', { name: 'Do it: Next message' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await dialog.page().getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await dialog.getByRole('button', { name: 'Do it: Open the message under the cursor' }).click();
    await ui.page.getByRole('heading', { name: 'Note 1' }).waitFor();
    // The search language is explained beside the inbox's box.
    await ui.page.goto(`${ui.sim.url}/`);
    await ui.page.getByText('Search help').click();
    await ui.page.getByRole('table', { name: 'Message search terms' }).getByRole('button', { name: 'is:unread' }).click();
    expect(await ui.page.getByRole('searchbox', { name: 'Search messages' }).inputValue()).toBe('is:unread');
    expect(ui.problems).toEqual([]);
  });
});
