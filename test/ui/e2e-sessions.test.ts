import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClockInfo } from '../../server/protocol.js';
import { nextEvent } from '../helpers/events.js';
import { RawSmtp } from '../helpers/raw-smtp.js';
import { getJson, type Transporter } from '../helpers/sim.js';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';

let transport: Transporter;
const ui = useBrowserSim({
  viewport: { width: 1280, height: 800 },
  beforeEach: async (sim) => {
    await fetch(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: 'default' }) });
  },
});

beforeAll(() => {
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true });
});
afterAll(() => {
  transport.close();
});

async function oversizedSession(): Promise<void> {
  const smtp = await RawSmtp.open(ui.sim.smtpPort);
  const port = smtp.socket.localPort;
  const closed = nextEvent(ui.sim.harness.bus, 'session.closed', (s) => s.Client.Port === port);
  await smtp.reply();
  await smtp.command('EHLO client.test');
  await smtp.command('MAIL FROM:<app@example.com> SIZE=999999999999');
  await smtp.command('QUIT');
  await closed;
}

describe('sessions (chromium)', () => {
  it('lists a rejected session live, with its transcript and a plain-language explanation', async () => {
    await ui.page.goto(`${ui.sim.url}/sessions`);
    await ui.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await oversizedSession();
    const row = ui.page.locator('[data-session]', { hasText: 'rejected' });
    await row.waitFor();
    expect(await row.textContent()).toContain('552');
    await row.click();
    await ui.page.getByRole('table', { name: 'SMTP transcript' }).getByText('MAIL FROM:<app@example.com> SIZE=999999999999').waitFor();
    // The persona's size check explains itself by its code (server/faults/status-catalogue.ts), through the transcript.
    await ui.page.getByRole('note').filter({ hasText: 'The message is larger than the server accepts (552 5.3.4)' }).waitFor();
    await snapshot(ui.page, 'session-rejected');
    // Filtering by outcome.
    await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'ok', text: 'ok' });
    await ui.page.locator('[data-session]', { hasText: 'delivered' }).waitFor();
    await ui.page.getByRole('group', { name: 'Filter by outcome' }).getByRole('button', { name: 'rejected', exact: true }).click();
    await expect.poll(() => ui.page.locator('[data-session]').count()).toBe(1);
    expect(ui.page.url()).toMatch(/\/sessions\?outcome=rejected$/);
    expect(ui.problems).toEqual([]);
  });

  it('switching the scenario in the UI changes what the next SMTP client sees', async () => {
    await ui.page.goto(`${ui.sim.url}/scenarios`);
    const listener = ui.page.locator('tr[data-listener]').first();
    await listener.waitFor();
    await listener.getByRole('combobox').selectOption('mailbox-unavailable');
    await listener.getByRole('button', { name: 'Apply' }).click();
    await listener.locator('strong', { hasText: 'mailbox-unavailable' }).waitFor();
    await snapshot(ui.page, 'scenarios-switched');
    const refused = await transport.sendMail({ from: 'app@example.com', to: 'nobody@unknown.example', subject: 'x', text: 'x' }).catch((error: { responseCode?: number }) => error);
    expect((refused as { responseCode?: number }).responseCode).toBe(550);
    // The refusal is a session in the UI with the rule's decision highlighted.
    await ui.page.goto(`${ui.sim.url}/sessions?outcome=rejected`);
    await ui.page.locator('[data-session]').first().click();
    await ui.page.getByRole('table', { name: 'SMTP transcript' }).getByText(/User unknown/).first().waitFor();
    expect(await ui.page.locator('tr[data-fault="true"]').count()).toBeGreaterThan(0);
    await snapshot(ui.page, 'session-fault-highlighted');
  });

  it('arms a one-shot fault and advances the scenario clock from the UI', async () => {
    await ui.page.goto(`${ui.sim.url}/scenarios`);
    await ui.page.getByRole('button', { name: 'Next 3 messages: 421 try again later' }).click();
    await ui.page.getByRole('status').filter({ hasText: /Armed/ }).waitFor();
    await ui.page.locator('td', { hasText: 'reply 421 4.7.0 Try again later' }).first().waitFor();
    const deferred = await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'x', text: 'x' }).catch((error: { responseCode?: number }) => error);
    expect((deferred as { responseCode?: number }).responseCode).toBe(421);
    await ui.page.getByText(/Fired since this page opened \(1\)/).waitFor();

    await ui.page.getByRole('button', { name: '+1 day' }).click();
    await ui.page.getByText(/from real time/).waitFor();
    expect((await getJson<ClockInfo>(`${ui.sim.url}/api/v1/clock`)).body.OffsetMs).toBe(86_400_000);
    await snapshot(ui.page, 'scenarios-clock');
    await ui.page.getByRole('button', { name: 'Reset to real time' }).click();
    await ui.page.getByText('(real time)').waitFor();
    expect(ui.problems).toEqual([]);
  });

  it('shows stats by code', async () => {
    await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'one', text: 'x' });
    await oversizedSession();
    await ui.page.goto(`${ui.sim.url}/stats`);
    await ui.page.locator('tr[data-code="552"]').waitFor();
    await ui.page.locator('tr[data-code="250"]').waitFor();
    await snapshot(ui.page, 'stats');
  });
  it("shows each transaction of a reused connection: the second message's 421 next to the first one's delivery", async () => {
    const posted = await fetch(`${ui.sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'mail', sender: 'second@example.com' }, action: { reply: { code: 421, enhanced: '4.7.0', text: 'Try again later' } } }),
    });
    expect(posted.status).toBeLessThan(300);
    const smtp = await RawSmtp.open(ui.sim.smtpPort);
    const port = smtp.socket.localPort;
    const closed = nextEvent(ui.sim.harness.bus, 'session.closed', (s) => s.Client.Port === port);
    await smtp.reply();
    await smtp.command('EHLO client.test');
    await smtp.command('MAIL FROM:<first@example.com>');
    await smtp.command('RCPT TO:<ann@example.org>');
    await smtp.command('DATA');
    expect(await smtp.command('Subject: one\r\n\r\nx\r\n.')).toMatch(/^250 /);
    expect(await smtp.command('MAIL FROM:<second@example.com>')).toMatch(/^421 /);
    const summary = await closed;
    expect(summary.Outcome).toBe('deferred');
    await ui.page.goto(`${ui.sim.url}/sessions/${summary.ID}`);
    const table = ui.page.getByRole('table', { name: 'Mail transactions' });
    await table.getByText('first@example.com').waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-outcome')).toBe('delivered');
    expect(await rows.nth(1).getAttribute('data-outcome')).toBe('deferred');
    expect(await rows.nth(1).textContent()).toContain('421 4.7.0 Try again later');
    await snapshot(ui.page, 'session-transactions');
    expect(ui.problems).toEqual([]);
  });
});
