import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../server/protocol.js';
import { getJson, type SendOptions, type Transporter } from '../helpers/sim.js';
import { useBrowserSim } from './helpers/browser-sim.js';

// Issue 9 items 13 and 14, in chromium: neither a captured message's HTML nor a page on another
// site may reach mailsim's API (a GET of a message marks it read), and a /view page opened on its
// own loads nothing remote without the opt-in.
const ui = useBrowserSim({
  // Playwright's default window size, which these pages had before.
  viewport: { width: 1280, height: 720 },
  beforeEach: async () => {
    remoteHits.length = 0;
  },
});
let transport: Transporter;

/** Another site on another loopback port: it serves an attacker's page and counts "remote" loads. */
let site: Server;
let siteUrl: string;
let sitePage = '';
const remoteHits: string[] = [];

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const LOGO = { filename: 'logo.png', cid: 'logo@mailsim', content: PNG };

beforeAll(async () => {
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true });
  site = createServer((req, res) => {
    if (req.url === '/attack') return res.writeHead(200, { 'content-type': 'text/html' }).end(sitePage);
    remoteHits.push(req.url ?? '');
    const type = req.url?.endsWith('.css') ? 'text/css' : req.url?.endsWith('.woff') ? 'font/woff' : 'image/png';
    res.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*' }).end(type === 'image/png' ? PNG : '');
  }).listen(0, '127.0.0.1');
  await once(site, 'listening');
  // "localhost" against mailsim's 127.0.0.1: another site to the browser, not just another port.
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
});
afterAll(async () => {
  transport.close();
  await new Promise((resolve) => site.close(resolve));
});

async function send(subject: string, html: string, attachments: SendOptions['attachments'] = []): Promise<string> {
  const info = await transport.sendMail({ from: 'sender@example.com', to: 'ann@example.org', subject, html, attachments });
  return info.response.split(' ').pop()!;
}

const read = async (id: string) => (await getJson<{ messages: Array<{ ID: string; Read: boolean }> }>(`${ui.sim.url}/api/v1/messages`)).body.messages.find((m) => m.ID === id)?.Read;

/** Each image's alt and natural width (0: not loaded), evaluated in the page. */
const IMAGE_WIDTHS = 'Object.fromEntries([...document.images].map((img) => [img.alt, img.naturalWidth]))';

/** Every image of a frame has loaded or failed: the requests behind them have been answered. */
async function imagesSettled(frame: Frame): Promise<void> {
  await frame.waitForFunction('[...document.images].every((img) => img.complete)');
}

describe('item 13: the preview and other sites cannot reach the API', () => {
  it('a relative <img src="/api/v1/message/ID"> in a previewed message marks nothing read; its inline image still shows', async () => {
    const victim = await send('Victim', '<p>unread until opened</p>');
    await send(
      'Attacker',
      `<p id="hello">hi</p><img alt="mark" src="/api/v1/message/${victim}"><img alt="latest" src="/api/v1/message/latest">` +
        `<img alt="raw" src="/api/v1/message/${victim}/raw"><img alt="logo" src="cid:logo@mailsim">`,
      [LOGO],
    );
    await ui.page.goto(ui.sim.url);
    await ui.page.locator('[data-id]', { hasText: 'Attacker' }).click();
    await ui.page.frameLocator('iframe[title^="HTML body"]').locator('#hello').waitFor();
    const frame = ui.page.frames().find((f) => f !== ui.page.mainFrame())!;
    await imagesSettled(frame);
    expect(await read(victim)).toBe(false);
    const widths = await frame.evaluate(IMAGE_WIDTHS);
    expect(widths).toEqual({ mark: 0, latest: 0, raw: 0, logo: 1 });
    expect(ui.problems).toEqual([]);
  });

  it('a page on another site marks nothing read: not with an image, a frame or a no-cors fetch', async () => {
    const victim = await send('Victim', '<p>unread</p>');
    const api = `${ui.sim.url}/api/v1/message`;
    sitePage =
      `<!doctype html><img src="${api}/latest"><img src="${api}/${victim}"><iframe src="${api}/${victim}"></iframe>` +
      `<script>window.done = Promise.all([fetch('${api}/${victim}', { mode: 'no-cors' }).catch(() => 0), fetch('${api}/latest', { mode: 'no-cors', credentials: 'include' }).catch(() => 0)]);</script>`;
    for (let attempt = 0; attempt < 6; attempt++) {
      await ui.page.goto(`${siteUrl}/attack`);
      await ui.page.evaluate('window.done');
      await imagesSettled(ui.page.mainFrame());
    }
    expect(await read(victim)).toBe(false);
    // A link the user follows to the UI or a /view page still works from another site.
    await ui.page.setContent(`<a href="${ui.sim.url}/view/${victim}.html">open</a>`);
    await Promise.all([ui.page.waitForURL(`${ui.sim.url}/view/${victim}.html`), ui.page.click('a')]);
    expect(await ui.page.textContent('body')).toContain('unread');
  });

  it('API clients keep Mailpit’s read-on-GET', async () => {
    const id = await send('For an API client', '<p>x</p>');
    expect((await getJson<Message>(`${ui.sim.url}/api/v1/message/${id}`)).status).toBe(200);
    expect(await read(id)).toBe(true);
  });

  it('refuses cross-site and same-site API requests by their Sec-Fetch headers, whatever the client', async () => {
    const id = await send('Headers', '<p>x</p>');
    const as = (headers: IncomingHttpHeaders) => fetch(`${ui.sim.url}/api/v1/message/${id}`, { headers: headers as Record<string, string> });
    expect((await as({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' })).status).toBe(403);
    expect((await as({ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' })).status).toBe(403);
    const refused = await as({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
    expect(await refused.json()).toEqual({ Code: 'FORBIDDEN', Error: expect.stringMatching(/^refused: a cross-site request \(Sec-Fetch-Site\)/) });
    expect(await read(id)).toBe(false);
    expect((await as({ 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' })).status).toBe(200);
  });
});

describe('item 14: a /view page opened on its own', () => {
  const remoteHtml = () =>
    `<p id="body">newsletter</p><img alt="remote" src="${siteUrl}/pixel.png"><img alt="logo" src="cid:logo@mailsim">` +
    `<link rel="stylesheet" href="${siteUrl}/style.css"><style>@font-face { font-family: f; src: url(${siteUrl}/font.woff); } p { font-family: f; }</style>`;

  it('loads no remote image, stylesheet or font without ?remote=1, and loads them with it', async () => {
    const id = await send('Remote content', remoteHtml(), [LOGO]);
    await ui.page.goto(`${ui.sim.url}/view/${id}.html`);
    await imagesSettled(ui.page.mainFrame());
    expect(remoteHits).toEqual([]);
    const widths = () => ui.page.evaluate(IMAGE_WIDTHS);
    expect(await widths()).toEqual({ remote: 0, logo: 1 });

    await ui.page.goto(`${ui.sim.url}/view/${id}.html?remote=1`);
    await imagesSettled(ui.page.mainFrame());
    expect(await widths()).toEqual({ remote: 1, logo: 1 });
    expect(remoteHits).toEqual(expect.arrayContaining(['/pixel.png', '/style.css']));
    expect((await fetch(`${ui.sim.url}/view/${id}.html?remote=yes`)).status).toBe(400);
  });

  it('the UI opens it in a new tab with the same consent as its preview', async () => {
    const id = await send('Remote content', remoteHtml(), [LOGO]);
    await ui.page.goto(ui.sim.url);
    await ui.page.locator('[data-id]', { hasText: 'Remote content' }).click();
    const link = ui.page.getByRole('link', { name: 'Open in a new tab' });
    expect(await link.getAttribute('href')).toBe(`/view/${id}.html`);
    await ui.page.getByRole('button', { name: 'Load remote content' }).click();
    expect(await link.getAttribute('href')).toBe(`/view/${id}.html?remote=1`);
    const [tab] = await Promise.all([ui.page.context().waitForEvent('page'), link.click()]);
    await tab.waitForLoadState();
    await imagesSettled(tab.mainFrame());
    expect(await tab.evaluate(IMAGE_WIDTHS)).toEqual({ remote: 1, logo: 1 });
    await tab.close();
  });

  it('a malformed cid: escape is left as it is, not a 500', async () => {
    const id = await send('Bad cid', '<img alt="bad" src="cid:%E0%A4%A"><img alt="logo" src="cid:logo@mailsim">', [LOGO]);
    const response = await fetch(`${ui.sim.url}/view/${id}.html`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('src="cid:%E0%A4%A"');
    expect(html).toMatch(new RegExp(`src="/api/v1/message/${id}/part/[\\d.]+"`));
    await ui.page.goto(`${ui.sim.url}/view/${id}.html`);
    await imagesSettled(ui.page.mainFrame());
    expect(await ui.page.evaluate(IMAGE_WIDTHS)).toEqual({ bad: 0, logo: 1 });
  });
});

describe('item 12 in the UI', () => {
  it('a message that could not be parsed in full says so and offers the raw source', async () => {
    const junk = Array.from({ length: 2000 }, (_, i) => `X-Junk-${i}: v`).join('\r\n');
    const raw = `From: a@example.com\r\nTo: ann@example.org\r\nSubject: Too many headers\r\n${junk}\r\n\r\nbody text\r\n`;
    await transport.sendMail({ envelope: { from: 'a@example.com', to: ['ann@example.org'] }, raw });
    await ui.page.goto(ui.sim.url);
    await ui.page.locator('[data-id]', { hasText: 'Too many headers' }).click();
    const note = ui.page.getByRole('note', { name: 'Parse problems' });
    await note.waitFor();
    // 2,003 sent, plus the Return-Path, Received and Message-ID fields mailsim adds as Mailpit does.
    expect(await note.textContent()).toMatch(/the header has 2,006 fields/);
    await note.getByRole('button', { name: 'Show the raw source' }).click();
    await ui.page.getByText('X-Junk-1999: v').waitFor();
    expect(ui.problems).toEqual([]);
  });
});
