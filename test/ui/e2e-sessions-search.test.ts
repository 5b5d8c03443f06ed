import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { sessionsClosed } from '../helpers/events.js';
import { RawSmtp } from '../helpers/raw-smtp.js';
import { getJson } from '../helpers/sim.js';
import type { SessionsList } from '../../server/protocol.js';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { inViewport, openLive, useScenario } from './helpers/ui-sim.js';

/** Issue 15, "show what the server knows" about sessions: rows, search, deep links, explanations. */
const ui = useBrowserSim({ viewport: { width: 1280, height: 800 } });

/** Two messages over one pooled connection (default scenario), then a refusal under mailbox-unavailable. */
async function mixedSessions(): Promise<void> {
  const closed = sessionsClosed(ui.sim.harness.bus, 2);
  const pooled = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true, pool: true, maxConnections: 1 });
  await pooled.sendMail({ from: 'shop@example.com', to: ['ann@example.org', 'bob@example.org'], subject: 'Your order ✓', text: 'x' });
  await pooled.sendMail({ from: 'shop@example.com', to: 'carol@example.org', subject: 'Your invoice', text: 'x' });
  pooled.close();
  await useScenario(ui.sim, { Name: 'mailbox-unavailable' });
  const single = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true });
  await single.sendMail({ from: 'news@example.net', to: 'nobody@unknown.example', subject: 'Weekly news', text: 'x' }).catch(() => undefined);
  single.close();
  await closed;
}

/** `count` connections that greet and quit (outcome no-mail), 20 at a time. */
async function quickSessions(count: number): Promise<void> {
  const closed = sessionsClosed(ui.sim.harness.bus, count, 30_000);
  for (let done = 0; done < count; done += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, count - done) }, async (_, i) => {
        const smtp = await RawSmtp.open(ui.sim.smtpPort);
        await smtp.reply();
        await smtp.command(`EHLO client-${done + i}.test`);
        await smtp.command('QUIT');
        await smtp.closed;
      }),
    );
  }
  await closed;
}

describe('session rows, search and deep links (chromium)', { timeout: 60_000 }, () => {
  it('rows show listener, scenario, MAIL FROM → recipients, the subject and why it failed; no client port', async () => {
    await mixedSessions();
    await openLive(ui.page, ui.sim, '/sessions');
    const pooled = ui.page.locator('[data-session]', { hasText: 'Your order ✓' });
    await pooled.waitFor();
    const text = (await pooled.textContent()) ?? '';
    expect(text).toContain('shop@example.com → ann@example.org, bob@example.org +1');
    expect(text).toContain('Your order ✓ +1 more');
    expect(text).toContain(`127.0.0.1:${ui.sim.smtpPort} · default`);
    const refused = ui.page.locator('[data-session]', { hasText: 'news@example.net' });
    expect(await refused.textContent()).toContain('mailbox-unavailable');
    // The rule's own explanation, not a reading of 550.
    expect(await refused.locator('[data-why]').textContent()).toBe('The receiving server has no mailbox for this recipient; the other recipients of the message are not affected.');
    const { body } = await getJson<SessionsList>(`${ui.sim.url}/api/v1/sessions`);
    for (const s of body.sessions) expect(await ui.page.locator(`[data-session="${s.ID}"]`).textContent()).not.toContain(`:${s.Client.Port}`);
    await snapshot(ui.page, 'sessions-rows');

    // The refusal's transaction explains itself; the pooled session lists its messages by subject.
    await refused.getByRole('link').click();
    const tx = ui.page.getByRole('table', { name: 'Mail transactions' });
    await tx.locator('[data-explanation]').filter({ hasText: 'no mailbox for this recipient' }).waitFor();
    await tx.getByText(/What to do: Remove or correct the address/).waitFor();
    await snapshot(ui.page, 'session-why');
    await ui.page.getByRole('link', { name: '← All sessions' }).click();
    await pooled.getByRole('link').click();
    await ui.page.getByRole('link', { name: 'Your invoice' }).first().waitFor();
    expect(await ui.page.locator('ul.messages li').allTextContents()).toEqual([expect.stringMatching(/^Your order ✓ /), expect.stringMatching(/^Your invoice /)]);
    await ui.page.locator('ul.messages').getByRole('link', { name: 'Your invoice' }).click();
    await ui.page.getByRole('heading', { name: 'Your invoice' }).waitFor();
    expect(ui.problems).toEqual([]);
  });

  it('searches by recipient, subject, scenario and outcome, with the language explained beside the box', async () => {
    await mixedSessions();
    await openLive(ui.page, ui.sim, '/sessions');
    await ui.page.locator('[data-session]').nth(1).waitFor();
    await ui.page.getByText('Search help').click();
    await ui.page.getByRole('table', { name: 'Session search terms' }).getByRole('button', { name: 'scenario:gmail' }).waitFor();
    await snapshot(ui.page, 'sessions-search-help');
    const box = ui.page.getByRole('searchbox', { name: 'Search sessions' });
    await box.fill('to:carol');
    await box.press('Enter');
    await expect.poll(() => ui.page.locator('[data-session]').count()).toBe(1);
    expect(await ui.page.locator('[data-session]').textContent()).toContain('Your order');
    expect(ui.page.url()).toMatch(/\/sessions\?q=to:carol$/);
    await box.fill('scenario:mailbox-unavailable news');
    await box.press('Enter');
    await expect.poll(() => ui.page.locator('[data-session]').count()).toBe(1);
    expect(await ui.page.locator('[data-session]').textContent()).toContain('news@example.net');
    await box.fill('subject:your');
    await box.press('Enter');
    await ui.page.getByRole('group', { name: 'Filter by outcome' }).getByRole('button', { name: 'rejected', exact: true }).click();
    await ui.page.getByText('No session matches.').waitFor();
    expect(ui.page.url()).toMatch(/outcome=rejected&q=subject:your$/);
    // A session the live feed brings joins the list only if it matches.
    await ui.page.getByRole('group', { name: 'Filter by outcome' }).getByRole('button', { name: 'All', exact: true }).click();
    await expect.poll(() => ui.page.locator('[data-session]').count()).toBe(1);
    const closed = sessionsClosed(ui.sim.harness.bus, 2);
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true });
    await t.sendMail({ from: 'a@example.com', to: 'x@example.org', subject: 'Your receipt', text: 'x' });
    await t.sendMail({ from: 'a@example.com', to: 'x@example.org', subject: 'Unrelated', text: 'x' });
    t.close();
    await closed;
    await ui.page.locator('[data-session]', { hasText: 'Your receipt' }).waitFor();
    expect(await ui.page.locator('[data-session]', { hasText: 'Unrelated' }).count()).toBe(0);
    // A bad date is said once, beside the box.
    await box.fill('after:someday');
    await box.press('Enter');
    await ui.page.getByRole('alert').filter({ hasText: 'after: "someday" is not a date' }).waitFor();
    expect(ui.problems).toEqual([]);
  });

  it('a deep link scrolls to its row and highlights it', async () => {
    const closed = sessionsClosed(ui.sim.harness.bus, 30);
    for (let i = 0; i < 30; i++) {
      const smtp = await RawSmtp.open(ui.sim.smtpPort);
      await smtp.reply();
      await smtp.command(`EHLO client-${i}.test`);
      await smtp.command('QUIT');
    }
    await closed;
    const { body } = await getJson<SessionsList>(`${ui.sim.url}/api/v1/sessions?limit=30`);
    const target = body.sessions[25]!;
    await openLive(ui.page, ui.sim, `/sessions/${target.ID}`);
    const row = `[data-session="${target.ID}"]`;
    await ui.page.locator(row).waitFor();
    expect(await ui.page.locator(row).getAttribute('aria-current')).toBe('true');
    expect(await inViewport(ui.page, row)).toBe(true);
    await ui.page.getByRole('table', { name: 'SMTP transcript' }).waitFor();
    await snapshot(ui.page, 'sessions-deep-link');
    expect(ui.problems).toEqual([]);
  });

  it('a deep link to a session far past the loaded page pages to its row and highlights it', async () => {
    // 260 sessions: the list loads its first page (100 rows); the link points at the 231st.
    await quickSessions(260);
    const { body } = await getJson<SessionsList>(`${ui.sim.url}/api/v1/sessions?start=230&limit=1`);
    const target = body.sessions[0]!;
    await openLive(ui.page, ui.sim, `/sessions/${target.ID}`);
    const row = ui.page.locator('[role="grid"][aria-label="Sessions"]').locator(`[data-session="${target.ID}"]`);
    await row.waitFor();
    expect(await row.getAttribute('aria-current')).toBe('true');
    expect(await row.getAttribute('aria-rowindex')).toBe('231');
    await expect.poll(() => inViewport(ui.page, `[role="grid"][aria-label="Sessions"] [data-session="${target.ID}"]`)).toBe(true);
    expect(await ui.page.locator('[data-pinned]').count()).toBe(0);
    await ui.page.getByRole('table', { name: 'SMTP transcript' }).waitFor();
    await snapshot(ui.page, 'sessions-deep-link-far');
    expect(ui.problems).toEqual([]);
  });

  it('a deep link to a session the filter leaves out shows it pinned above the list, highlighted', async () => {
    await mixedSessions();
    const { body } = await getJson<SessionsList>(`${ui.sim.url}/api/v1/sessions?outcome=delivered`);
    const target = body.sessions[0]!;
    await openLive(ui.page, ui.sim, `/sessions/${target.ID}?outcome=rejected`);
    const pinned = ui.page.locator('[data-pinned]');
    await pinned.getByText('It is not in the list below: it does not match the filter or search.').waitFor();
    const row = pinned.locator(`[data-session="${target.ID}"]`);
    expect(await row.getAttribute('aria-current')).toBe('true');
    expect(await row.textContent()).toContain('Your order ✓');
    await expect.poll(() => ui.page.locator('[role="grid"][aria-label="Sessions"] [data-session]').count()).toBe(1);
    await ui.page.getByRole('table', { name: 'SMTP transcript' }).waitFor();
    await snapshot(ui.page, 'sessions-deep-link-pinned');
    // Without the filter it is in the list, where it belongs.
    await pinned.getByRole('link', { name: 'Show it among all sessions' }).click();
    await ui.page.locator(`[role="grid"][aria-label="Sessions"] [data-session="${target.ID}"][aria-current="true"]`).waitFor();
    expect(await pinned.count()).toBe(0);
    expect(ui.problems).toEqual([]);
  });

  it('a deep link to a session that no longer exists says so', async () => {
    await quickSessions(1);
    const { body } = await getJson<SessionsList>(`${ui.sim.url}/api/v1/sessions`);
    const gone = body.sessions[0]!.ID;
    await ui.sim.harness.reset();
    await quickSessions(1);
    await openLive(ui.page, ui.sim, `/sessions/${gone}`);
    await ui.page.getByRole('alert').filter({ hasText: `Session ${gone} no longer exists` }).waitFor();
    expect(await ui.page.getByText('Loading…').count()).toBe(0);
    expect(await ui.page.getByText(/Could not load the session/).count()).toBe(0);
    await ui.page.locator('[data-session]').first().waitFor();
    await snapshot(ui.page, 'sessions-deep-link-gone');
    expect(ui.problems).toEqual([]);
  });

  it("the listeners panel shows each listener's configured mode next to the one clients meet", async () => {
    await openLive(ui.page, ui.sim, '/scenarios');
    const listener = ui.page.locator('tr[data-listener]').first();
    await listener.waitFor();
    const mode = listener.locator('[data-mode]');
    expect(await mode.textContent()).toMatch(/plain\s*\(configured auto: STARTTLS only while the scenario offers it\)/);
    // "Use" says it switches every listener, and so does its confirmation.
    const use = ui.page.locator('tr[data-scenario="gmail"]').getByRole('button', { name: 'Use on all listeners: gmail' });
    expect(await use.textContent()).toBe('Use on all listeners');
    await use.click();
    await ui.page.getByRole('status').filter({ hasText: `Scenario "gmail" is now active on every listener (1): 127.0.0.1:${ui.sim.smtpPort}.` }).waitFor();
    // Gmail offers STARTTLS, so the auto listener now does.
    await expect.poll(() => mode.textContent()).toMatch(/^\s*starttls\s*\(configured auto/);
    await snapshot(ui.page, 'listeners-mode');
    expect(ui.problems).toEqual([]);
  });
});
