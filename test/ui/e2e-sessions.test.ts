import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClockInfo } from '../../server/protocol.js';
import { nextEvent } from '../helpers/events.js';
import { RawSmtp } from '../helpers/raw-smtp.js';
import { getJson, type TestSim, type Transporter } from '../helpers/sim.js';
import { launchBrowser, snapshot, watchProblems } from './helpers/browser.js';
import { startUiSim } from './helpers/ui-sim.js';

let sim: TestSim;
let transport: Transporter;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let problems: string[];

beforeAll(async () => {
  [sim, { browser, close: closeBrowser }] = await Promise.all([startUiSim(), launchBrowser()]);
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
});
afterAll(async () => {
  transport.close();
  await Promise.all([closeBrowser(), sim.stop()]);
});
beforeEach(async () => {
  await fetch(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: 'default' }) });
  await sim.harness.reset();
  await page?.close();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  problems = await watchProblems(page);
});

async function oversizedSession(): Promise<void> {
  const smtp = await RawSmtp.open(sim.smtpPort);
  const port = smtp.socket.localPort;
  const closed = nextEvent(sim.harness.bus, 'session.closed', (s) => s.Client.Port === port);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  await smtp.command('MAIL FROM:<app@example.com> SIZE=999999999999');
  await smtp.command('QUIT');
  await closed;
}

describe('sessions (chromium)', () => {
  it('lists a rejected session live, with its transcript and a plain-language explanation', async () => {
    await page.goto(`${sim.url}/sessions`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await oversizedSession();
    const row = page.locator('[data-session]', { hasText: 'rejected' });
    await row.waitFor();
    expect(await row.textContent()).toContain('552');
    await row.click();
    await page.getByRole('table', { name: 'SMTP transcript' }).getByText('MAIL FROM:<app@example.com> SIZE=999999999999').waitFor();
    // The persona's size check explains itself by its code (server/faults/status-catalogue.ts), through the transcript.
    await page.getByRole('note').filter({ hasText: 'The message is larger than the server accepts (552 5.3.4)' }).waitFor();
    await snapshot(page, 'session-rejected');
    // Filtering by outcome.
    await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'ok', text: 'ok' });
    await page.locator('[data-session]', { hasText: 'delivered' }).waitFor();
    await page.getByRole('group', { name: 'Filter by outcome' }).getByRole('button', { name: 'rejected', exact: true }).click();
    await expect.poll(() => page.locator('[data-session]').count()).toBe(1);
    expect(page.url()).toMatch(/\/sessions\?outcome=rejected$/);
    expect(problems).toEqual([]);
  });

  it('switching the scenario in the UI changes what the next SMTP client sees', async () => {
    await page.goto(`${sim.url}/scenarios`);
    const listener = page.locator('tr[data-listener]').first();
    await listener.waitFor();
    await listener.getByRole('combobox').selectOption('mailbox-unavailable');
    await listener.getByRole('button', { name: 'Apply' }).click();
    await listener.locator('strong', { hasText: 'mailbox-unavailable' }).waitFor();
    await snapshot(page, 'scenarios-switched');
    const refused = await transport.sendMail({ from: 'app@example.com', to: 'nobody@unknown.example', subject: 'x', text: 'x' }).catch((error: { responseCode?: number }) => error);
    expect((refused as { responseCode?: number }).responseCode).toBe(550);
    // The refusal is a session in the UI with the rule's decision highlighted.
    await page.goto(`${sim.url}/sessions?outcome=rejected`);
    await page.locator('[data-session]').first().click();
    await page.getByRole('table', { name: 'SMTP transcript' }).getByText(/User unknown/).first().waitFor();
    expect(await page.locator('tr[data-fault="true"]').count()).toBeGreaterThan(0);
    await snapshot(page, 'session-fault-highlighted');
  });

  it('arms a one-shot fault and advances the scenario clock from the UI', async () => {
    await page.goto(`${sim.url}/scenarios`);
    await page.getByRole('button', { name: 'Next 3 messages: 421 try again later' }).click();
    await page.getByRole('status').filter({ hasText: /Armed/ }).waitFor();
    await page.locator('td', { hasText: 'reply 421 4.7.0 Try again later' }).first().waitFor();
    const deferred = await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'x', text: 'x' }).catch((error: { responseCode?: number }) => error);
    expect((deferred as { responseCode?: number }).responseCode).toBe(421);
    await page.getByText(/Fired since this page opened \(1\)/).waitFor();

    await page.getByRole('button', { name: '+1 day' }).click();
    await page.getByText(/from real time/).waitFor();
    expect((await getJson<ClockInfo>(`${sim.url}/api/v1/clock`)).body.OffsetMs).toBe(86_400_000);
    await snapshot(page, 'scenarios-clock');
    await page.getByRole('button', { name: 'Reset to real time' }).click();
    await page.getByText('(real time)').waitFor();
    expect(problems).toEqual([]);
  });

  it('shows stats by code', async () => {
    await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'one', text: 'x' });
    await oversizedSession();
    await page.goto(`${sim.url}/stats`);
    await page.locator('tr[data-code="552"]').waitFor();
    await page.locator('tr[data-code="250"]').waitFor();
    await snapshot(page, 'stats');
  });
  it("shows each transaction of a reused connection: the second message's 421 next to the first one's delivery", async () => {
    const posted = await fetch(`${sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'mail', sender: 'second@example.com' }, action: { reply: { code: 421, enhanced: '4.7.0', text: 'Try again later' } } }),
    });
    expect(posted.status).toBeLessThan(300);
    const smtp = await RawSmtp.open(sim.smtpPort);
    const port = smtp.socket.localPort;
    const closed = nextEvent(sim.harness.bus, 'session.closed', (s) => s.Client.Port === port);
    await smtp.reply();
    await smtp.command('EHLO client.test');
    await smtp.command('MAIL FROM:<first@example.com>');
    await smtp.command('RCPT TO:<ann@example.org>');
    await smtp.command('DATA');
    expect(await smtp.command('Subject: one\r\n\r\nx\r\n.')).toMatch(/^250 /);
    expect(await smtp.command('MAIL FROM:<second@example.com>')).toMatch(/^421 /);
    const summary = await closed;
    expect(summary.Outcome).toBe('deferred');
    await page.goto(`${sim.url}/sessions/${summary.ID}`);
    const table = page.getByRole('table', { name: 'Mail transactions' });
    await table.getByText('first@example.com').waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-outcome')).toBe('delivered');
    expect(await rows.nth(1).getAttribute('data-outcome')).toBe('deferred');
    expect(await rows.nth(1).textContent()).toContain('421 4.7.0 Try again later');
    await snapshot(page, 'session-transactions');
    expect(problems).toEqual([]);
  });
});
