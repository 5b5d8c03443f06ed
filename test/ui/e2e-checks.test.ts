import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '../helpers/sim.js';
import { openLive } from './helpers/ui-sim.js';
import { useBrowserSim } from './helpers/browser-sim.js';

/** The message view's Link check tab and Release action (issue 12), in chromium. */
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
});
afterAll(async () => {
  await new Promise<void>((r) => web.close(() => r()));
  await new Promise<void>((r) => relay.close(() => r()));
});
// After the hooks above: the relay's port is known by then (and the mailsim stops first).
const ui = useBrowserSim({
  viewport: { width: 1280, height: 900 },
  config: () => ({ allowInternalHttpRequests: true, smtpRelayHost: '127.0.0.1', smtpRelayPort: (relay.server.address() as AddressInfo).port }),
});

describe('message checks (chromium)', () => {
  it('Link check lists each link with its status; Release relays to the configured server', async () => {
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    const { body } = await getJson(`${ui.sim.url}/api/v1/send`, {
      method: 'POST',
      body: JSON.stringify({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'Links inside', HTML: `<a href="${base}/ok">ok</a> <a href="${base}/gone">gone</a>` }),
    });
    await openLive(ui.page, ui.sim, `/message/${body.ID}`);
    await ui.page.getByRole('heading', { name: 'Links inside' }).waitFor();
    await ui.page.getByRole('tab', { name: 'Link check' }).click();
    await ui.page.getByRole('button', { name: 'Check links' }).click();
    await ui.page.getByRole('status').filter({ hasText: '2 links, 1 with errors.' }).waitFor();
    expect(await ui.page.locator('.link-check tbody tr').allInnerTexts()).toEqual([`200 OK\t${base}/ok`, `404 Not Found\t${base}/gone`]);

    await ui.page.getByRole('button', { name: 'Release' }).click();
    await ui.page.getByLabel('Release to').fill('someone@example.net');
    await ui.page.getByRole('button', { name: /^Send via 127\.0\.0\.1:/ }).click();
    await ui.page.getByRole('status').filter({ hasText: 'Released to someone@example.net' }).waitFor();
    expect(relayed).toEqual([['someone@example.net']]);
    expect(ui.problems).toEqual([]);
  });
  it('Esc cancels the release form and leaves the message open; the next Esc closes the message', async () => {
    const { body } = await getJson(`${ui.sim.url}/api/v1/send`, {
      method: 'POST',
      body: JSON.stringify({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'Release me', Text: 'x' }),
    });
    const relayedBefore = relayed.length;
    await openLive(ui.page, ui.sim, `/message/${body.ID}`);
    await ui.page.getByRole('button', { name: 'Release' }).click();
    const form = ui.page.getByRole('form', { name: 'Release the message' });
    await form.waitFor();
    await ui.page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    await ui.page.getByRole('heading', { name: 'Release me' }).waitFor();
    expect(new URL(ui.page.url()).pathname).toBe(`/message/${body.ID}`);
    await ui.page.keyboard.press('Escape');
    await expect.poll(() => new URL(ui.page.url()).pathname).toBe('/');
    expect(relayed.length).toBe(relayedBefore);
    expect(ui.problems).toEqual([]);
  });
});
