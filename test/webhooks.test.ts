import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../server/cli/options.js';
import type { MessageSummary, SessionSummary } from '../server/protocol.js';
import { WebhookDispatcher } from '../server/webhooks/dispatcher.js';
import { nextEvent, sessionsClosed } from './helpers/events.js';
import { sendWithNodemailer } from './helpers/faults.js';
import { startSim, type TestSim } from './helpers/sim.js';

interface Received {
  event: string | undefined;
  agent: string | undefined;
  type: string | undefined;
  body: any;
}

/** A local webhook receiver; `respond` decides each answer (by the 0-based request number). */
async function receiver(respond: (n: number, req: IncomingMessage, res: ServerResponse) => void = (_n, _req, res) => res.end('ok')) {
  const requests: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const n = requests.length;
      requests.push({ event: req.headers['x-mailsim-event'] as string, agent: req.headers['user-agent'], type: req.headers['content-type'], body: JSON.parse(text) });
      for (const wake of waiters.splice(0)) wake();
      respond(n, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=secret`,
    requests,
    /** Resolves once `count` requests have arrived in full; fails after `timeoutMs`. */
    async got(count: number, timeoutMs = 10_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${requests.length} of ${count} webhook requests arrived within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return requests;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

let sim: TestSim;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await sim.harness.reset();
});

async function send(subject: string): Promise<MessageSummary> {
  const received = nextEvent(sim.harness.bus, 'message.received', (m) => m.Subject === subject);
  expect((await sendWithNodemailer(sim.smtpPort, { subject })).ok).toBe(true);
  return received;
}

/** A dispatcher on the shared sim's bus, with test-sized backoff. */
function dispatcher(urls: string[], options: Partial<ConstructorParameters<typeof WebhookDispatcher>[0]> = {}) {
  const warnings: string[] = [];
  const d = new WebhookDispatcher({ urls, events: ['messages'], bus: sim.harness.bus, version: '9.9.9', warn: (m) => warnings.push(m), backoffMs: 10, ...options });
  cleanups.push(() => d.close());
  return { d, warnings };
}

describe('webhooks configured with --webhook', () => {
  it('POSTs each new message summary, and closed sessions with --webhook-events sessions', async () => {
    const hook = await receiver();
    cleanups.push(hook.close);
    const own = await startSim({ webhook: [hook.url], webhookEvents: ['messages', 'sessions'] });
    cleanups.push(() => own.stop());
    const received = nextEvent(own.harness.bus, 'message.received');
    const closed = sessionsClosed(own.harness.bus, 1);
    await sendWithNodemailer(own.smtpPort, { subject: 'hooked', to: 'x+hooktag@example.org' });
    const message = await received;
    await closed;
    const [first, second] = await hook.got(2);
    expect(first).toMatchObject({ event: 'message.received', type: 'application/json', body: message });
    expect(first!.agent).toMatch(/^mailsim\/\d+\.\d+\.\d+$/);
    expect((first!.body as MessageSummary).Tags).toEqual(['hooktag']);
    expect(second!.event).toBe('session.closed');
    expect((second!.body as SessionSummary)).toMatchObject({ Outcome: 'delivered', Messages: 1 });
    await own.harness.integrations.webhooks!.idle();
    expect(own.harness.integrations.webhooks!.stats()).toEqual([
      { url: hook.url.replace(/\?.*$/, ''), delivered: 2, failed: 0, retried: 0, dropped: 0, queued: 0 },
    ]);
  });

  it('parses --webhook (repeatable, MAILSIM_WEBHOOK space-separated) and --webhook-events', () => {
    expect(parseCli(['--webhook', 'http://a.test/x', '--webhook', 'https://b.test/y', '--webhook-events', 'sessions,messages'], {}).config).toMatchObject({
      webhook: ['http://a.test/x', 'https://b.test/y'],
      webhookEvents: ['sessions', 'messages'],
    });
    expect(parseCli([], { MAILSIM_WEBHOOK: 'http://a.test/x http://b.test/y' }).config.webhook).toEqual(['http://a.test/x', 'http://b.test/y']);
    expect(() => parseCli(['--webhook', 'ftp://a.test'], {})).toThrow('--webhook: expected an http:// or https:// URL, got "ftp://a.test"');
    expect(() => parseCli(['--webhook-events', 'messages,bounces'], {})).toThrow(/--webhook-events: expected messages, sessions/);
  });
});

describe('webhook delivery', () => {
  it('retries with backoff when the receiver fails the first attempts, then delivers', async () => {
    const hook = await receiver((n, req, res) => {
      if (n === 0) res.writeHead(500).end('boom');
      else if (n === 1) req.socket.destroy();
      else res.end('ok');
    });
    cleanups.push(hook.close);
    const { d, warnings } = dispatcher([hook.url]);
    const message = await send('retried');
    const attempts = await hook.got(3);
    expect(attempts.map((a) => a.body.ID)).toEqual([message.ID, message.ID, message.ID]);
    await d.idle();
    expect(d.stats()[0]).toMatchObject({ delivered: 1, retried: 2, failed: 0, dropped: 0 });
    expect(warnings).toEqual([]);
  });

  it('gives up after the last attempt, says so, and goes on with the next delivery', async () => {
    const hook = await receiver((n, _req, res) => res.writeHead(n < 3 ? 503 : 200).end());
    cleanups.push(hook.close);
    const { d, warnings } = dispatcher([hook.url], { attempts: 3 });
    await send('lost');
    await send('next');
    await hook.got(4);
    await d.idle();
    expect(hook.requests.map((r) => r.body.Subject)).toEqual(['lost', 'lost', 'lost', 'next']);
    expect(d.stats()[0]).toMatchObject({ delivered: 1, retried: 2, failed: 1 });
    expect(warnings).toEqual([`webhook ${hook.url.replace(/\?.*$/, '')}: gave up on a message.received delivery after 3 attempts: HTTP 503`]);
  });

  it('does not retry a 4xx other than 408/429, nor let a hung receiver hold SMTP: the queue is bounded', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const hook = await receiver((n, _req, res) => {
      if (n === 0) void held.then(() => res.end('ok'));
      else res.writeHead(n === 1 ? 400 : 200).end();
    });
    cleanups.push(hook.close);
    const { d, warnings } = dispatcher([hook.url], { queueSize: 2 });
    await send('m1');
    await hook.got(1);
    // m1 is in flight and unanswered; SMTP goes on, and the queue of 2 keeps the newest.
    for (const subject of ['m2', 'm3', 'm4', 'm5']) await send(subject);
    expect(d.stats()[0]).toMatchObject({ queued: 2, dropped: 2, delivered: 0 });
    release();
    await hook.got(3);
    await d.idle();
    expect(hook.requests.map((r) => r.body.Subject)).toEqual(['m1', 'm4', 'm5']);
    expect(d.stats()[0]).toMatchObject({ delivered: 2, failed: 1, retried: 0, dropped: 2, queued: 0 });
    expect(warnings[0]).toMatch(/after 1 attempt: HTTP 400$/);
  });

  it('times out a receiver that never answers, and drops what is queued when closed', async () => {
    const hook = await receiver(() => {});
    cleanups.push(hook.close);
    const { d, warnings } = dispatcher([hook.url], { attempts: 1, timeoutMs: 50 });
    await send('slow');
    // Not hook.got(1): on a busy machine the 50 ms run out before the receiver has read the whole
    // request, and an aborted request never completes there. The dispatcher's own account is the test.
    await d.idle();
    expect(warnings[0]).toMatch(/gave up on a message.received delivery after 1 attempt: no answer within 50 ms/);
    const second = dispatcher([hook.url], { attempts: 1, timeoutMs: 10_000 }).d;
    await send('a');
    await send('b');
    second.close();
    expect(second.stats()[0]).toMatchObject({ delivered: 0, dropped: 2, queued: 0 });
  });
});
