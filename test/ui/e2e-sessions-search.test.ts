import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionsClosed } from '../helpers/events.js';
import { RawSmtp } from '../helpers/raw-smtp.js';
import { getJson, type TestSim } from '../helpers/sim.js';
import type { SessionsList } from '../../server/protocol.js';
import { launchBrowser, snapshot, watchProblems } from './helpers/browser.js';
import { inViewport, openLive, startUiSim, useScenario } from './helpers/ui-sim.js';

/** Issue 15, "show what the server knows" about sessions: rows, search, deep links, explanations. */
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
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  problems = await watchProblems(page);
});

/** Two messages over one pooled connection (default scenario), then a refusal under mailbox-unavailable. */
async function mixedSessions(): Promise<void> {
  const closed = sessionsClosed(sim.harness.bus, 2);
  const pooled = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, pool: true, maxConnections: 1 });
  await pooled.sendMail({ from: 'shop@example.com', to: ['ann@example.org', 'bob@example.org'], subject: 'Your order ✓', text: 'x' });
  await pooled.sendMail({ from: 'shop@example.com', to: 'carol@example.org', subject: 'Your invoice', text: 'x' });
  pooled.close();
  await useScenario(sim, { Name: 'mailbox-unavailable' });
  const single = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
  await single.sendMail({ from: 'news@example.net', to: 'nobody@unknown.example', subject: 'Weekly news', text: 'x' }).catch(() => undefined);
  single.close();
  await closed;
}

describe('session rows, search and deep links (chromium)', { timeout: 60_000 }, () => {
  it('rows show listener, scenario, MAIL FROM → recipients, the subject and why it failed; no client port', async () => {
    await mixedSessions();
    await openLive(page, sim, '/sessions');
    const pooled = page.locator('[data-session]', { hasText: 'Your order ✓' });
    await pooled.waitFor();
    const text = (await pooled.textContent()) ?? '';
    expect(text).toContain('shop@example.com → ann@example.org, bob@example.org +1');
    expect(text).toContain('Your order ✓ +1 more');
    expect(text).toContain(`127.0.0.1:${sim.smtpPort} · default`);
    const refused = page.locator('[data-session]', { hasText: 'news@example.net' });
    expect(await refused.textContent()).toContain('mailbox-unavailable');
    // The rule's own explanation, not a reading of 550.
    expect(await refused.locator('[data-why]').textContent()).toBe('The receiving server has no mailbox for this recipient; the other recipients of the message are not affected.');
    const { body } = await getJson<SessionsList>(`${sim.url}/api/v1/sessions`);
    for (const s of body.sessions) expect(await page.locator(`[data-session="${s.ID}"]`).textContent()).not.toContain(`:${s.Client.Port}`);
    await snapshot(page, 'sessions-rows');

    // The refusal's transaction explains itself; the pooled session lists its messages by subject.
    await refused.getByRole('link').click();
    const tx = page.getByRole('table', { name: 'Mail transactions' });
    await tx.locator('[data-explanation]').filter({ hasText: 'no mailbox for this recipient' }).waitFor();
    await tx.getByText(/What to do: Remove or correct the address/).waitFor();
    await snapshot(page, 'session-why');
    await page.getByRole('link', { name: '← All sessions' }).click();
    await pooled.getByRole('link').click();
    await page.getByRole('link', { name: 'Your invoice' }).first().waitFor();
    expect(await page.locator('ul.messages li').allTextContents()).toEqual([expect.stringMatching(/^Your order ✓ /), expect.stringMatching(/^Your invoice /)]);
    await page.locator('ul.messages').getByRole('link', { name: 'Your invoice' }).click();
    await page.getByRole('heading', { name: 'Your invoice' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('searches by recipient, subject, scenario and outcome, with the language explained beside the box', async () => {
    await mixedSessions();
    await openLive(page, sim, '/sessions');
    await page.locator('[data-session]').nth(1).waitFor();
    await page.getByText('Search help').click();
    await page.getByRole('table', { name: 'Session search terms' }).getByRole('button', { name: 'scenario:gmail' }).waitFor();
    await snapshot(page, 'sessions-search-help');
    const box = page.getByRole('searchbox', { name: 'Search sessions' });
    await box.fill('to:carol');
    await box.press('Enter');
    await expect.poll(() => page.locator('[data-session]').count()).toBe(1);
    expect(await page.locator('[data-session]').textContent()).toContain('Your order');
    expect(page.url()).toMatch(/\/sessions\?q=to:carol$/);
    await box.fill('scenario:mailbox-unavailable news');
    await box.press('Enter');
    await expect.poll(() => page.locator('[data-session]').count()).toBe(1);
    expect(await page.locator('[data-session]').textContent()).toContain('news@example.net');
    await box.fill('subject:your');
    await box.press('Enter');
    await page.getByRole('group', { name: 'Filter by outcome' }).getByRole('button', { name: 'rejected', exact: true }).click();
    await page.getByText('No session matches.').waitFor();
    expect(page.url()).toMatch(/outcome=rejected&q=subject:your$/);
    // A session the live feed brings joins the list only if it matches.
    await page.getByRole('group', { name: 'Filter by outcome' }).getByRole('button', { name: 'All', exact: true }).click();
    await expect.poll(() => page.locator('[data-session]').count()).toBe(1);
    const closed = sessionsClosed(sim.harness.bus, 2);
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
    await t.sendMail({ from: 'a@example.com', to: 'x@example.org', subject: 'Your receipt', text: 'x' });
    await t.sendMail({ from: 'a@example.com', to: 'x@example.org', subject: 'Unrelated', text: 'x' });
    t.close();
    await closed;
    await page.locator('[data-session]', { hasText: 'Your receipt' }).waitFor();
    expect(await page.locator('[data-session]', { hasText: 'Unrelated' }).count()).toBe(0);
    // A bad date is said once, beside the box.
    await box.fill('after:someday');
    await box.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'after: "someday" is not a date' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('a deep link scrolls to its row and highlights it', async () => {
    const closed = sessionsClosed(sim.harness.bus, 30);
    for (let i = 0; i < 30; i++) {
      const smtp = await RawSmtp.open(sim.smtpPort);
      await smtp.reply();
      await smtp.command(`EHLO client-${i}.test`);
      await smtp.command('QUIT');
    }
    await closed;
    const { body } = await getJson<SessionsList>(`${sim.url}/api/v1/sessions?limit=30`);
    const target = body.sessions[25]!;
    await openLive(page, sim, `/sessions/${target.ID}`);
    const row = `[data-session="${target.ID}"]`;
    await page.locator(row).waitFor();
    expect(await page.locator(row).getAttribute('aria-current')).toBe('true');
    expect(await inViewport(page, row)).toBe(true);
    await page.getByRole('table', { name: 'SMTP transcript' }).waitFor();
    await snapshot(page, 'sessions-deep-link');
    expect(problems).toEqual([]);
  });

  it("the listeners panel shows each listener's configured mode next to the one clients meet", async () => {
    await openLive(page, sim, '/scenarios');
    const listener = page.locator('tr[data-listener]').first();
    await listener.waitFor();
    const mode = listener.locator('[data-mode]');
    expect(await mode.textContent()).toMatch(/plain\s*\(configured auto: STARTTLS only while the scenario offers it\)/);
    // "Use" says it switches every listener, and so does its confirmation.
    const use = page.locator('tr[data-scenario="gmail"]').getByRole('button', { name: 'Use on all listeners: gmail' });
    expect(await use.textContent()).toBe('Use on all listeners');
    await use.click();
    await page.getByRole('status').filter({ hasText: `Scenario "gmail" is now active on every listener (1): 127.0.0.1:${sim.smtpPort}.` }).waitFor();
    // Gmail offers STARTTLS, so the auto listener now does.
    await expect.poll(() => mode.textContent()).toMatch(/^\s*starttls\s*\(configured auto/);
    await snapshot(page, 'listeners-mode');
    expect(problems).toEqual([]);
  });
});
