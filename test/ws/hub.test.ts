import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { EventBus } from '../../server/events/bus.js';
import type { MessageSummary, SessionSummary } from '../../server/protocol.js';
import { EventHub, type EventHubOptions } from '../../server/ws/hub.js';

interface Frame {
  Type: string;
  Data: any;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(options: Partial<EventHubOptions> = {}) {
  const bus = new EventBus();
  let counts = { Total: 0, Unread: 0 };
  const errors: unknown[] = [];
  const hub = new EventHub({ bus, counts: () => counts, version: '9.9.9', report: (e) => errors.push(e), ...options });
  const server: Server = createServer((_req, res) => res.end('http'));
  hub.attach(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  cleanup.push(async () => {
    await hub.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { bus, hub, port, errors, setCounts: (c: typeof counts) => (counts = c) };
}

/** A client that records every frame and can wait for one. */
async function client(port: number, options: WebSocket.ClientOptions = {}, path = '/api/events') {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, options);
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const wake of waiters.splice(0)) wake();
  });
  cleanup.push(() => ws.terminate());
  await once(ws, 'open');
  const until = async (predicate: (frames: Frame[]) => boolean) => {
    while (!predicate(frames)) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { ws, frames, until };
}

const summary = (ID: string): MessageSummary =>
  ({ ID, MessageID: '', Read: false, From: null, To: [], Cc: [], Bcc: [], ReplyTo: [], Subject: `s ${ID}`, Created: new Date(0).toISOString(), Username: '', Tags: [], Size: 1, Attachments: 0, Snippet: '', Envelope: { From: '', To: [] }, SessionID: null }) as MessageSummary;

describe('WebSocket hub', () => {
  it('sends the counts on connect, then every event in the Mailpit envelope', async () => {
    const { bus, port, setCounts } = await setup();
    setCounts({ Total: 5, Unread: 2 });
    const c = await client(port);
    await c.until((f) => f.length >= 1);
    expect(c.frames[0]).toEqual({ Type: 'stats', Data: { Total: 5, Unread: 2, Version: '9.9.9' } });

    bus.publish('message.received', summary('m1'));
    bus.publish('message.updated', { IDs: ['m1'], Read: true });
    bus.publish('message.deleted', { IDs: ['m1'] });
    bus.publish('message.deleted', { IDs: [], All: true });
    const session = { ID: 's1', Outcome: 'active' } as SessionSummary;
    bus.publish('session.opened', session);
    bus.publish('session.closed', { ...session, Outcome: 'delivered' });
    bus.publish('fault.fired', { SessionID: 's1', At: 1, Phase: 'rcpt', Source: 'one-shot', Name: 'x', Reason: 'r', Reply: '421 4.7.0 later' });
    bus.publish('clock.changed', { Now: '2025-01-01T00:00:00Z', OffsetMs: 3_600_000 });
    bus.publish('store.reset', {});
    await c.until((f) => f.some((x) => x.Type === 'reset'));
    expect(c.frames.slice(1).map((f) => f.Type)).toEqual(['new', 'update', 'delete', 'truncate', 'session', 'session', 'fault', 'clock', 'reset']);
    expect(c.frames[1]!.Data.ID).toBe('m1');
    // Mailpit's shapes: one frame per message, `truncate` with null, a null From as an empty address.
    expect(c.frames[1]!.Data.From).toEqual({ Name: '', Address: '' });
    expect(c.frames[2]!.Data).toEqual({ ID: 'm1', Read: true });
    expect(c.frames[3]!.Data).toEqual({ ID: 'm1' });
    expect(c.frames[4]!.Data).toBeNull();
    expect(c.frames[6]!.Data.Outcome).toBe('delivered');
    expect(c.frames[8]!.Data.OffsetMs).toBe(3_600_000);
  });

  it('throttles stats to one per interval during a burst, always after the events it counts', async () => {
    const { bus, port, setCounts } = await setup({ statsIntervalMs: 200 });
    const c = await client(port);
    await c.until((f) => f.length >= 1);
    const started = Date.now();
    for (let i = 1; i <= 1000; i++) {
      setCounts({ Total: i, Unread: i });
      bus.publish('message.received', summary(`m${i}`));
    }
    await c.until((f) => f.some((x) => x.Type === 'stats' && x.Data.Total === 1000));
    const stats = c.frames.slice(1).filter((f) => f.Type === 'stats');
    expect(stats.length).toBeLessThanOrEqual(2 + Math.ceil((Date.now() - started) / 200));
    // Every stats frame counts no more messages than were sent before it.
    let seen = 0;
    for (const frame of c.frames.slice(1)) {
      if (frame.Type === 'new') seen++;
      else expect(frame.Data.Total).toBeLessThanOrEqual(seen);
    }
    expect(seen).toBe(1000);
  });

  it('refuses other paths and what authorize refuses, with a JSON error', async () => {
    const { port } = await setup({ authorize: (req) => (req.headers.origin ? { status: 403, message: `refused: cross-origin request from ${req.headers.origin}` } : null) });
    const refused = new WebSocket(`ws://127.0.0.1:${port}/api/events`, { origin: 'http://evil.example' });
    refused.on('error', () => {});
    cleanup.push(() => refused.terminate());
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    expect(response.statusCode).toBe(403);
    let body = '';
    for await (const chunk of response) body += chunk;
    expect(JSON.parse(body)).toEqual({ Code: 'FORBIDDEN', Error: 'refused: cross-origin request from http://evil.example' });

    const wrongPath = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
    wrongPath.on('error', () => {});
    cleanup.push(() => wrongPath.terminate());
    const [, notFound] = (await once(wrongPath, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    expect(notFound.statusCode).toBe(404);

    const fine = await client(port);
    await fine.until((f) => f.length >= 1);
  });

  it('drops a client that stops reading instead of buffering without bound', async () => {
    const { bus, hub, port } = await setup({ maxBufferedBytes: 64 * 1024 });
    const c = await client(port);
    await c.until((f) => f.length >= 1);
    // Stop reading: the kernel buffers fill, then ws buffers, then the hub gives up.
    (c.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const closed = once(c.ws, 'close');
    const big = { ...summary('big'), Snippet: 'x'.repeat(256 * 1024) };
    const pump = setInterval(() => {
      for (let i = 0; i < 20; i++) bus.publish('message.received', big);
    }, 5);
    cleanup.push(() => clearInterval(pump));
    await vi.waitFor(() => expect(hub.clientCount).toBe(0), { timeout: 10_000 });
    clearInterval(pump);
    expect(hub.clientCount).toBe(0);
    c.ws.terminate();
    await closed;
  });

  it('terminates sockets that stop answering pings', async () => {
    const { hub, port } = await setup({ heartbeatMs: 40 });
    const c = await client(port, { autoPong: false });
    await once(c.ws, 'close');
    await vi.waitFor(() => expect(hub.clientCount).toBe(0));
    const healthy = await client(port);
    // Three heartbeats later a client that answers is still there.
    for (let i = 0; i < 3; i++) await once(healthy.ws, 'ping');
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('never throws into the publisher, whatever fails', async () => {
    let reported: (error: unknown) => void = () => {};
    const { bus, port } = await setup({
      counts: () => {
        throw new Error('database gone');
      },
      statsIntervalMs: 1,
      report: (error) => reported(error),
    });
    const c = await client(port);
    // The stats frame that follows the event reads the counts, which fail: reported, not thrown.
    const failed = new Promise((resolve) => (reported = resolve));
    expect(() => bus.publish('message.received', summary('m'))).not.toThrow();
    await c.until((f) => f.some((x) => x.Type === 'new'));
    expect(String(await failed)).toMatch(/database gone/);
  });

  it('says goodbye with 1001 on close', async () => {
    const { hub, port } = await setup();
    const c = await client(port);
    const closed = once(c.ws, 'close');
    await hub.close();
    const [code] = (await closed) as [number];
    expect(code).toBe(1001);
  });
});
