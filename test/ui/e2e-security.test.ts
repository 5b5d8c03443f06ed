import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nextEvent } from '../helpers/events.js';
import { getJson, type TestSim } from '../helpers/sim.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { startUiSim } from './helpers/ui-sim.js';

const ui = useBrowserSim({ reset: false });
/** Playwright's default window size, which these pages had before useBrowserSim. */
const WINDOW = { width: 1280, height: 720 };
/** A page on another origin (another loopback port): the attacker's site. */
let evil: Server;
let evilUrl: string;
let sim: TestSim;

beforeAll(async () => {
  sim = ui.sim;
  evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title>')).listen(0, '127.0.0.1');
  await once(evil, 'listening');
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => evil.close(resolve));
});

/** A raw HTTP request with headers fetch() will not let us set (Host). */
function raw(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('safe by default', () => {
  it('a page on another site can neither open the event feed nor read the API (cross-site WebSocket hijacking)', async () => {
    const page = await ui.newPage(WINDOW);
    await page.goto(evilUrl);
    const target = sim.url.replace('http:', 'ws:');
    const result = await page.evaluate(
      `new Promise((resolve) => {
        const ws = new WebSocket(${JSON.stringify(`${target}/api/events`)});
        ws.onopen = () => resolve('opened');
        ws.onmessage = (e) => resolve('read: ' + e.data);
        ws.onclose = () => resolve('closed');
      })`,
    );
    expect(result).toBe('closed');
    // A simple (no-preflight) request with a side effect is refused before it acts.
    // The route publishes store.reset before it answers, and the page's fetch settles only on
    // the answer: once it has, a reset that happened has already been seen here.
    let resets = 0;
    const off = sim.harness.bus.on('store.reset', () => resets++);
    const reset = await page.evaluate(`fetch(${JSON.stringify(`${sim.url}/api/v1/reset`)}, { method: 'POST', mode: 'no-cors', body: 'x' }).then(() => 'sent', (e) => 'failed: ' + e)`);
    off();
    expect(reset).toBe('sent');
    expect(resets).toBe(0);
    const read = await page.evaluate(`fetch(${JSON.stringify(`${sim.url}/api/v1/messages`)}).then((r) => r.text(), (e) => 'failed')`);
    expect(read).toBe('failed');
  });

  it('refuses a cross-origin WebSocket and API request from any client, with a JSON 403', async () => {
    const ws = new WebSocket(`${sim.url.replace('http:', 'ws:')}/api/events`, { origin: 'http://evil.example' });
    ws.on('error', () => {});
    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    expect(response.statusCode).toBe(403);
    const api = await getJson<{ Error: string }>(`${sim.url}/api/v1/messages`, { headers: { origin: 'http://evil.example' } });
    expect(api).toEqual({ status: 403, body: { Code: 'FORBIDDEN', Error: 'refused: cross-origin request from http://evil.example' } });
    // Clients without an Origin (curl, test suites, Mailpit API clients) are not browsers: they pass.
    expect((await getJson(`${sim.url}/api/v1/messages`)).status).toBe(200);
  });

  it('refuses a non-loopback Host while bound to loopback (DNS rebinding), on the API, the UI and the feed', async () => {
    for (const path of ['/api/v1/messages', '/', '/view/latest.html']) {
      const answer = await raw(`${sim.url}${path}`, { host: 'rebind.attacker.example' });
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body).Error).toMatch(/DNS rebinding/);
    }
    expect((await raw(`${sim.url}/api/v1/messages`, { host: `localhost:${new URL(sim.url).port}` })).status).toBe(200);
    const ws = new WebSocket(`${sim.url.replace('http:', 'ws:')}/api/events`, { headers: { host: 'rebind.attacker.example' } });
    ws.on('error', () => {});
    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    expect(response.statusCode).toBe(403);
  });

  it('serves the app page under a strict policy, and the UI runs without violating it', async () => {
    const page = await ui.newPage(WINDOW);
    const response = await page.goto(sim.url);
    const csp = response!.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'self'");
    expect(response!.headers()['x-frame-options']).toBe('SAMEORIGIN');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    for (const view of ['Sessions', 'Scenarios', 'Stats', 'Inbox']) {
      await page.getByRole('navigation').getByRole('link', { name: new RegExp(`^${view}`) }).click();
    }
    await page.getByText('No mail yet').waitFor();
    expect(ui.problems).toEqual([]);
  });
});

describe('--ui-auth', () => {
  let locked: TestSim;
  beforeAll(async () => {
    locked = await startUiSim({ uiAuth: { user: 'qa', password: 'pa:ss' } });
  });
  afterAll(() => locked.stop());

  it('asks for credentials everywhere but the health probes', async () => {
    const denied = await fetch(`${locked.url}/api/v1/messages`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic realm="mailsim"/);
    expect(await denied.json()).toEqual({ Code: 'UNAUTHORIZED', Error: 'authentication required' });
    expect((await fetch(`${locked.url}/`)).status).toBe(401);
    expect((await fetch(`${locked.url}/livez`)).status).toBe(200);
    expect((await fetch(`${locked.url}/readyz`)).status).toBe(200);
    const authorization = `Basic ${Buffer.from('qa:pa:ss').toString('base64')}`;
    expect((await fetch(`${locked.url}/api/v1/messages`, { headers: { authorization } })).status).toBe(200);
    const ws = new WebSocket(`${locked.url.replace('http:', 'ws:')}/api/events`);
    ws.on('error', () => {});
    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    expect(response.statusCode).toBe(401);
  });

  it('works in a browser that has the credentials, live feed included', async () => {
    const context = await ui.browser.newContext({ httpCredentials: { username: 'qa', password: 'pa:ss' } });
    try {
      const page = await context.newPage();
      await page.goto(locked.url);
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      const received = nextEvent(locked.harness.bus, 'message.received');
      const { default: nodemailer } = await import('nodemailer');
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: locked.smtpPort, ignoreTLS: true });
      await transport.sendMail({ from: 'a@example.com', to: 'b@example.org', subject: 'Behind a password', text: 'x' });
      transport.close();
      await received;
      await page.locator('[data-id]', { hasText: 'Behind a password' }).waitFor();
    } finally {
      await context.close();
    }
  });
});

describe('binding beyond loopback', () => {
  it('warns when the HTTP listener is reachable from other machines without --ui-auth', async () => {
    const open = await startUiSim({ http: { host: '0.0.0.0', port: 0 } });
    try {
      expect(open.warnings.join('\n')).toMatch(/reachable from other machines without a password.*--ui-auth/);
    } finally {
      await open.stop();
    }
    const guarded = await startUiSim({ http: { host: '0.0.0.0', port: 0 }, uiAuth: { user: 'a', password: 'b' } });
    try {
      expect(guarded.warnings.join('\n')).not.toMatch(/without a password/);
    } finally {
      await guarded.stop();
    }
  });
});
