import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJson, type TestSim, type Transporter } from '../helpers/sim.js';
import { launchBrowser, snapshot, watchProblems } from './helpers/browser.js';
import { startUiSim } from './helpers/ui-sim.js';

let sim: TestSim;
let transport: Transporter;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let problems: string[];

/** A "remote" image server on another loopback port that counts hits. */
let pixels: Server;
let pixelHits = 0;
let pixelUrl: string;
let onPixel: (() => void) | undefined;

beforeAll(async () => {
  [sim, { browser, close: closeBrowser }] = await Promise.all([startUiSim(), launchBrowser()]);
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
  pixels = createServer((_req, res) => {
    pixelHits++;
    onPixel?.();
    res.writeHead(200, { 'content-type': 'image/gif' }).end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  }).listen(0, '127.0.0.1');
  await once(pixels, 'listening');
  pixelUrl = `http://127.0.0.1:${(pixels.address() as AddressInfo).port}/pixel.gif`;
});
afterAll(async () => {
  transport.close();
  await Promise.all([closeBrowser(), sim.stop(), new Promise((resolve) => pixels.close(resolve))]);
});
beforeEach(async () => {
  await sim.harness.reset();
  await page?.close();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  problems = await watchProblems(page);
});

const row = (subject: string) => page.locator('[data-id]', { hasText: subject });

async function openInbox(): Promise<void> {
  await page.goto(sim.url);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}

describe('inbox (chromium)', () => {
  it('shows a message live within a second of the 250', async () => {
    await openInbox();
    const sent = await transport.sendMail({ from: 'App <app@example.com>', to: 'ann@example.org', subject: 'Live arrival', text: 'hello' });
    const acknowledged = Date.now();
    await row('Live arrival').waitFor({ timeout: 1000 });
    expect(Date.now() - acknowledged).toBeLessThan(1000);
    expect(sent.response).toMatch(/^250 /);
    expect(await row('Live arrival').locator('.dot').count()).toBe(1);
    await snapshot(page, 'inbox-live');
    expect(problems).toEqual([]);
  });

  it('renders HTML sandboxed: the mail’s script does not run, remote images wait for consent', async () => {
    await page.addInitScript({ content: "window.__frameMessages = []; addEventListener('message', (e) => window.__frameMessages.push(String(e.data)));" });
    await transport.sendMail({
      from: 'attacker@example.com',
      to: 'ann@example.org',
      subject: 'Hostile HTML',
      text: 'plain part',
      html:
        '<h1 id="greeting">Reset your password</h1>' +
        `<img alt="tracker" src="${pixelUrl}">` +
        "<script>parent.document.title = 'pwned'; top.postMessage('pwned', '*'); document.getElementById('greeting').textContent = 'script ran';</script>" +
        "<img src=\"x\" onerror=\"parent.postMessage('onerror ran', '*')\">" +
        '<img alt="logo" src="cid:logo@mailsim">',
      attachments: [{ filename: 'logo.png', cid: 'logo@mailsim', content: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64') }],
    });
    await openInbox();
    await row('Hostile HTML').click();
    const frame = page.frameLocator('iframe[title^="HTML body"]');
    await frame.locator('#greeting').waitFor();

    const iframe = page.locator('iframe[title^="HTML body"]');
    const sandbox = (await iframe.getAttribute('sandbox')) ?? '';
    expect(sandbox.split(/\s+/).sort()).toEqual(['allow-popups', 'allow-popups-to-escape-sandbox']);
    expect(sandbox).not.toMatch(/allow-scripts|allow-same-origin/);
    expect(await frame.locator('#greeting').textContent()).toBe('Reset your password');
    expect(await page.title()).not.toBe('pwned');
    expect(await page.evaluate('window.__frameMessages')).toEqual([]);
    // The inline image is served by mailsim itself; the remote one was never requested.
    await expect.poll(() => frame.locator('img[alt="logo"]').evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(1);
    expect(pixelHits).toBe(0);
    await snapshot(page, 'message-html-sandboxed');

    const hit = new Promise<void>((resolve) => (onPixel = resolve));
    await page.getByRole('button', { name: 'Load remote content' }).click();
    await hit;
    expect(pixelHits).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate('window.__frameMessages')).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('shows text, headers, raw source with an .eml download, envelope with Bcc, and the session link', async () => {
    await transport.sendMail({ envelope: { from: 'bounce@example.com', to: ['ann@example.org', 'hidden@example.org'] }, from: 'app@example.com', to: 'ann@example.org', subject: 'Parts', text: 'text body here', html: '<p>html</p>', attachments: [{ filename: 'report.csv', content: 'a,b\n1,2\n' }] });
    await openInbox();
    await row('Parts').click();
    await page.getByRole('tab', { name: 'Text' }).click();
    await page.locator('pre.text', { hasText: 'text body here' }).waitFor();
    await page.getByRole('tab', { name: 'Headers' }).click();
    await page.getByRole('row', { name: /Subject Parts/ }).waitFor();
    await page.getByRole('tab', { name: 'Raw' }).click();
    await page.locator('pre.raw', { hasText: 'Subject: Parts' }).waitFor();
    const download = page.getByRole('link', { name: 'Download .eml' });
    expect(await download.getAttribute('href')).toMatch(/\/raw\?dl=1$/);
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/\.eml$/);
    await page.getByRole('tab', { name: /Envelope/ }).click();
    await page.locator('dd', { hasText: 'bounce@example.com' }).first().waitFor();
    await page.getByText('hidden@example.org').first().waitFor();
    await page.getByRole('link', { name: 'report.csv' }).waitFor();
    await snapshot(page, 'message-details');
    await page.getByRole('link', { name: /SMTP session that delivered it/ }).click();
    await page.getByRole('table', { name: 'SMTP transcript' }).getByText('RCPT TO:<hidden@example.org>').waitFor();
    expect(page.url()).toMatch(/\/sessions\/[\w-]+$/);
  });

  it('searches with the query language, navigates with the keyboard and deletes', async () => {
    for (const subject of ['Invoice 1', 'Welcome', 'Invoice 2']) await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject, text: subject });
    await openInbox();
    await row('Invoice 2').waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('subject:invoice');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-id]').count()).toBe(2);
    expect(page.url()).toContain('q=subject:invoice');
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Invoice 2' }).waitFor();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('[data-id]').count()).toBe(1);
    expect((await getJson(`${sim.url}/api/v1/messages`)).body.total).toBe(2);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.locator('[data-id]').count()).toBe(2);
  });

  // 400 messages over SMTP while the page renders them: ~5 s on a quiet machine, 18 s seen at
  // load 10 (other suites on the two cores), close to the default 20 s.
  it('keeps the DOM small and up to date through a burst', async () => {
    await openInbox();
    const senders = Array.from({ length: 4 }, () => nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, pool: true, maxConnections: 1 }));
    await Promise.all(
      senders.map(async (sender, s) => {
        for (let i = 0; i < 100; i++) await sender.sendMail({ from: 'burst@example.com', to: 'ann@example.org', subject: `Burst ${s}-${i}`, text: 'x' });
        sender.close();
      }),
    );
    await page.getByText('400 messages, 400 unread').waitFor();
    expect(await page.locator('[data-id]').count()).toBeLessThan(60);
    await page.getByRole('button', { name: 'Delete all' }).click();
    await page.getByRole('button', { name: /Really delete all 400/ }).click();
    await page.getByText('No mail yet').waitFor();
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows the connection state, reconnects with backoff and catches up on what it missed', async () => {
    // The page's WebSocket goes through a relay the test can cut.
    let down = false;
    const open: Array<{ close(options?: { code?: number; reason?: string }): Promise<void> }> = [];
    await page.routeWebSocket(/\/api\/events$/, (ws) => {
      if (down) return void ws.close({ code: 4000, reason: 'test: network down' });
      ws.connectToServer();
      open.push(ws);
    });
    await openInbox();
    await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'Before the drop', text: 'x' });
    await row('Before the drop').waitFor();

    down = true;
    await Promise.all(open.splice(0).map((ws) => ws.close({ code: 4000, reason: 'test: network down' })));
    await page.getByRole('status').filter({ hasText: /Offline, retrying/ }).waitFor();
    await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'Sent while offline', text: 'x' });
    await snapshot(page, 'inbox-offline');
    expect(await row('Sent while offline').count()).toBe(0);

    down = false;
    // Under load the backoff timer (500 ms, doubling) can reconnect before the click lands, and
    // the button is gone; either way the page must come back live and catch up. retryNow() itself
    // is covered in live.test.ts.
    const live = page.getByRole('status').filter({ hasText: 'Live' });
    const clicked = page.getByRole('button', { name: 'Retry now' }).click().catch(() => undefined);
    await Promise.race([clicked, live.waitFor()]);
    await live.waitFor();
    await row('Sent while offline').waitFor();
    await page.getByText('2 messages, 2 unread').waitFor();
  }, 40_000);

  it('reads at phone width in the dark theme', async () => {
    await transport.sendMail({ from: 'App <app@example.com>', to: 'ann@example.org', subject: 'On a phone', html: '<p>Small screen</p>' });
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    try {
      await phone.goto(sim.url);
      await phone.locator('[data-id]', { hasText: 'On a phone' }).click();
      await phone.frameLocator('iframe[title^="HTML body"]').getByText('Small screen').waitFor();
      const width = await phone.evaluate('document.documentElement.scrollWidth');
      expect(width).toBeLessThanOrEqual(390);
      await snapshot(phone, 'message-phone-dark');
      await phone.getByRole('button', { name: 'Back to messages' }).click();
      await phone.locator('[data-id]', { hasText: 'On a phone' }).waitFor();
    } finally {
      await phone.close();
    }
  });
});
