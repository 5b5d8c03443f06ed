import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, type TestSim } from '../helpers/sim.js';
import { launchBrowser, watchProblems } from './helpers/browser.js';
import { openLive, startUiSim } from './helpers/ui-sim.js';

/** The message view's Link check tab and Release action (issue 12), in chromium. */
let sim: TestSim;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let web: Server;
let relay: SMTPServer;
const relayed: string[][] = [];

beforeAll(async () => {
  web = createServer((req, res) => res.writeHead(req.url === '/ok' ? 200 : 404).end());
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, done) => {
      stream.resume();
      stream.on('end', () => {
        relayed.push(session.envelope.rcptTo.map((r) => r.address));
        done();
      });
    },
  });
  await Promise.all([new Promise<void>((r) => web.listen(0, '127.0.0.1', r)), new Promise<void>((r) => relay.listen(0, '127.0.0.1', r))]);
  const relayPort = (relay.server.address() as AddressInfo).port;
  [sim, { browser, close: closeBrowser }] = await Promise.all([
    startUiSim({ allowInternalHttpRequests: true, smtpRelayHost: '127.0.0.1', smtpRelayPort: relayPort }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await Promise.all([closeBrowser(), sim.stop()]);
  await new Promise<void>((r) => web.close(() => r()));
  await new Promise<void>((r) => relay.close(() => r()));
});

describe('message checks (chromium)', () => {
  it('Link check lists each link with its status; Release relays to the configured server', async () => {
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    const { body } = await getJson(`${sim.url}/api/v1/send`, {
      method: 'POST',
      body: JSON.stringify({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'Links inside', HTML: `<a href="${base}/ok">ok</a> <a href="${base}/gone">gone</a>` }),
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = await watchProblems(page);
    await openLive(page, sim, `/message/${body.ID}`);
    await page.getByRole('heading', { name: 'Links inside' }).waitFor();
    await page.getByRole('tab', { name: 'Link check' }).click();
    await page.getByRole('button', { name: 'Check links' }).click();
    await page.getByRole('status').filter({ hasText: '2 links, 1 with errors.' }).waitFor();
    expect(await page.locator('.link-check tbody tr').allInnerTexts()).toEqual([`200 OK\t${base}/ok`, `404 Not Found\t${base}/gone`]);

    await page.getByRole('button', { name: 'Release' }).click();
    await page.getByLabel('Release to').fill('someone@example.net');
    await page.getByRole('button', { name: /^Send via 127\.0\.0\.1:/ }).click();
    await page.getByRole('status').filter({ hasText: 'Released to someone@example.net' }).waitFor();
    expect(relayed).toEqual([['someone@example.net']]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
