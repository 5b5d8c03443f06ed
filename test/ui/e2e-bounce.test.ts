import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, type TestSim } from '../helpers/sim.js';
import { launchBrowser, watchProblems } from './helpers/browser.js';
import { openLive, startUiSim } from './helpers/ui-sim.js';

/** A bounce and its original link to each other in the message view (BounceInfo.svelte). */
let sim: TestSim;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  [sim, { browser, close: closeBrowser }] = await Promise.all([startUiSim(), launchBrowser()]);
});
afterAll(async () => {
  await page?.close();
  await Promise.all([closeBrowser(), sim.stop()]);
});

describe('bounce links (chromium)', () => {
  it('a bounce shows "Bounce of <original>" with its status; the original shows "Bounced: 1"; the links navigate', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
    const sent = await transport.sendMail({ from: 'app@example.com', to: 'gone@example.org', subject: 'Invoice 9', text: 'hello', messageId: '<inv9@app.example>' });
    transport.close();
    const originalId = /queued as (\S+)/.exec(sent.response)![1]!;
    const bounce = await getJson(`${sim.url}/api/v1/message/${originalId}/bounce`, { method: 'POST', body: JSON.stringify({ Reply: '550 5.1.1 <gone@example.org>: user unknown' }) });
    expect(bounce.status).toBe(201);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = await watchProblems(page);
    await openLive(page, sim, `/message/${bounce.body.ID}`);
    const note = page.getByRole('note', { name: 'Bounce' });
    await note.waitFor();
    expect(await note.innerText()).toMatch(/Bounce of <inv9@app\.example>[\s\S]*5\.1\.1[\s\S]*550 5\.1\.1 <gone@example\.org>: user unknown/);
    await note.getByRole('link', { name: '<inv9@app.example>' }).click();
    await page.getByRole('heading', { name: 'Invoice 9' }).waitFor();
    const bounced = page.getByRole('note', { name: 'Bounces' });
    expect(await bounced.innerText()).toMatch(/Bounced: 1/);
    await bounced.getByRole('link', { name: 'bounce 1' }).click();
    await page.getByRole('note', { name: 'Bounce' }).waitFor();
    expect(problems).toEqual([]);
  });
});
