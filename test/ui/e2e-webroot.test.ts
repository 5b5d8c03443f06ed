import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMailsim, type Spawned } from '../helpers/spawn.js';
import { launchBrowser, snapshot, watchProblems } from './helpers/browser.js';

/**
 * The built UI behind `mailsim --webroot /mail/` (the real CLI), in Chromium: its assets, API
 * calls, live feed, links, history and deep links all stay under the prefix, as behind a reverse
 * proxy that forwards only /mail/.
 */
let sim: Spawned;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let problems: string[];
/** Every URL the page asked for: none may leave the prefix. */
const requested: string[] = [];

beforeAll(async () => {
  [sim, { browser, close: closeBrowser }] = await Promise.all([
    spawnMailsim(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', ':memory:', '--webroot', '/mail/']),
    launchBrowser(),
  ]);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  problems = await watchProblems(page);
  page.on('request', (request) => requested.push(request.url()));
});
afterAll(async () => {
  await closeBrowser?.();
  sim?.child.kill('SIGKILL');
});

describe('the web UI under --webroot /mail/', () => {
  it('loads, goes live, shows new mail, and keeps every URL under the prefix', async () => {
    const origin = new URL(sim.url).origin;
    await page.goto(`${sim.url}/`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ state: 'attached' });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPorts[0], ignoreTLS: true });
    await transport.sendMail({ from: 'app@example.com', to: 'qa@example.com', subject: 'Under the prefix', text: 'body text', html: '<p>html body</p>' });
    transport.close();
    // Arrives over the live feed at /mail/api/events.
    const row = page.locator('[data-id]', { hasText: 'Under the prefix' });
    await row.click();
    await page.waitForURL(/\/mail\/message\/[^/]+$/);
    const messageUrl = page.url();
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.waitForURL(`${origin}/mail/sessions`);
    await page.locator('[data-session] a').first().click();
    await page.waitForURL(/\/mail\/sessions\/[^/]+$/);
    await page.getByRole('link', { name: 'Stats' }).click();
    await page.waitForURL(`${origin}/mail/stats`);
    await page.goBack();
    await page.waitForURL(/\/mail\/sessions\/[^/]+$/);
    // A deep link loads from scratch: assets resolve against the <base>, not the route.
    await page.goto(messageUrl);
    await page.getByRole('heading', { name: 'Under the prefix' }).first().waitFor();
    await snapshot(page, 'webroot-message');
    expect(await page.locator('a.brand').getAttribute('href')).toBe('/mail/');
    const outside = requested.filter((url) => url.startsWith(origin) && !url.startsWith(`${origin}/mail/`));
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  });
});
