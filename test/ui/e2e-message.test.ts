import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transporter } from '../helpers/sim.js';
import { snapshot } from './helpers/browser.js';
import { openLive, visibleHeight } from './helpers/ui-sim.js';
import { useBrowserSim } from './helpers/browser-sim.js';

/** The message view: long headers, big sources, inline images, encoded headers. */
let transport: Transporter;

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

// Each test opens its page at its own size (ui.newPage).
const ui = useBrowserSim();

beforeAll(() => {
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true });
});
afterAll(() => {
  transport.close();
});

async function send(options: Parameters<Transporter['sendMail']>[0]): Promise<string> {
  const sent = await transport.sendMail(options);
  return /queued as (\S+)/.exec(sent.response)?.[1] ?? '';
}

const recipients = (n: number) => Array.from({ length: n }, (_, i) => `Recipient Number ${i} <recipient.${i}@example.org>`);

describe('message view (chromium)', () => {
  for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    it(`collapses 65 recipients and keeps the body reachable (${name})`, async () => {
      await ui.newPage(viewport);
      const id = await send({ from: 'app@example.com', to: recipients(65), subject: 'Newsletter to many', text: 'The body everyone must be able to read.\n'.repeat(40) });
      await openLive(ui.page, ui.sim, `/message/${id}`);
      await ui.page.getByRole('heading', { name: 'Newsletter to many' }).waitFor();
      const more = ui.page.getByRole('button', { name: /^\+\d+ more/ });
      await more.waitFor();
      expect(await ui.page.locator('.message header').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(260);
      expect(await visibleHeight(ui.page, 'pre.text')).toBeGreaterThan(250);
      await snapshot(ui.page, `message-65-recipients-${name}`);

      await more.click();
      await ui.page.getByText('recipient.64@example.org').waitFor();
      expect(await ui.page.getByRole('button', { name: /^Show fewer/ }).getAttribute('aria-expanded')).toBe('true');
      // Expanded, the header is tall; the detail scrolls as a whole (wheel, as a user does) to the body.
      const header = (await ui.page.locator('.message header').boundingBox())!;
      await ui.page.mouse.move(header.x + header.width / 2, Math.min(header.y + 200, viewport.height - 50));
      for (let i = 0; i < 12 && (await visibleHeight(ui.page, 'pre.text')) < 250; i++) await ui.page.mouse.wheel(0, 400);
      await expect.poll(() => visibleHeight(ui.page, 'pre.text')).toBeGreaterThan(250);
      await snapshot(ui.page, `message-65-recipients-expanded-${name}`);
      expect(ui.problems).toEqual([]);
    });
  }

  it('shows the head of a big source with the whole message a download away', async () => {
    await ui.newPage(DESKTOP);
    const big = 'x'.repeat(76) + '\r\n';
    const id = await send({ from: 'app@example.com', to: 'ann@example.org', subject: 'Big source', text: 'big', attachments: [{ filename: 'big.txt', content: big.repeat(40_000), contentType: 'text/plain' }] });
    const rawSizes: number[] = [];
    ui.page.on('response', (response) => {
      if (/\/raw(\?|$)/.test(response.url())) void response.body().then((body) => rawSizes.push(body.length), () => undefined);
    });
    await openLive(ui.page, ui.sim, `/message/${id}`);
    await ui.page.getByRole('tab', { name: 'Raw' }).click();
    const pre = ui.page.locator('pre.raw');
    await pre.waitFor();
    expect(await pre.evaluate((el) => el.textContent!.length)).toBeLessThanOrEqual(256 * 1024);
    expect(await pre.textContent()).toContain('Subject: Big source');
    const rest = ui.page.getByRole('link', { name: /Download the whole message/ });
    expect(await rest.getAttribute('href')).toMatch(/\/raw\?dl=1$/);
    await ui.page.getByText(/Showing the first 256 KB of /).waitFor();
    await expect.poll(() => rawSizes.length).toBeGreaterThan(0);
    expect(Math.max(...rawSizes)).toBeLessThanOrEqual(256 * 1024);
    await snapshot(ui.page, 'message-raw-head');
    expect(ui.problems).toEqual([]);
  });

  it('does not count inline cid: images as remote content', async () => {
    await ui.newPage(DESKTOP);
    const id = await send({
      from: 'app@example.com',
      to: 'ann@example.org',
      subject: 'Inline logo only',
      html: '<p id="hello">Hello</p><img alt="logo" src="cid:logo@mailsim"><img alt="logo2" src=\'cid:logo@mailsim\'>',
      attachments: [{ filename: 'logo.png', cid: 'logo@mailsim', content: PNG }],
    });
    await openLive(ui.page, ui.sim, `/message/${id}`);
    const frame = ui.page.frameLocator('iframe[title^="HTML body"]');
    await expect.poll(() => frame.locator('img[alt="logo"]').evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(1);
    expect(await ui.page.getByText(/remote (resource|resources) (is|are) blocked/).count()).toBe(0);
    await snapshot(ui.page, 'message-cid-no-banner');

    const mixed = await send({
      from: 'app@example.com',
      to: 'ann@example.org',
      subject: 'Logo and tracker',
      html: '<img alt="logo" src="cid:logo@mailsim"><img alt="t" src="http://127.0.0.1:9/pixel.gif">',
      attachments: [{ filename: 'logo.png', cid: 'logo@mailsim', content: PNG }],
    });
    await ui.page.goto(`${ui.sim.url}/message/${mixed}`);
    await ui.page.getByText('1 remote resource is blocked', { exact: false }).waitFor();
  });

  it('shows encoded headers decoded, with the raw form a click away, and no stray From line', async () => {
    await ui.newPage(DESKTOP);
    const id = await send({
      from: '"Zoë Tester" <zoe@example.com>',
      to: 'ann@example.org',
      subject: 'Café déjà vu ✓ — a long subject that nodemailer folds into several encoded words',
      text: 'x',
      attachments: [{ filename: 'a.txt', content: 'a' }],
    });
    await openLive(ui.page, ui.sim, `/message/${id}`);
    await ui.page.getByRole('tab', { name: 'Headers' }).click();
    const subject = ui.page.getByRole('row', { name: /^Subject/ });
    await subject.waitFor();
    expect(await subject.textContent()).toContain('Café déjà vu ✓ — a long subject that nodemailer folds into several encoded words');
    expect(await ui.page.getByRole('row', { name: /^From/ }).textContent()).toContain('Zoë Tester');
    await snapshot(ui.page, 'message-headers-decoded');
    await ui.page.getByRole('radio', { name: 'Raw' }).check();
    expect(await ui.page.getByRole('row', { name: /^Subject/ }).textContent()).toMatch(/=\?UTF-8\?[QB]\?/i);
    await snapshot(ui.page, 'message-headers-raw');

    await ui.page.getByRole('tab', { name: /^Envelope/ }).click();
    await ui.page.getByRole('link', { name: 'a.txt' }).waitFor();
    expect(await ui.page.locator('.details').getByText(/^From: /).count()).toBe(0);
    await snapshot(ui.page, 'message-details-no-from-line');
    expect(ui.problems).toEqual([]);
  });
});
