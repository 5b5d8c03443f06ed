import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { EventBus, EventMap, EventName } from '../events/bus.js';
import type { ApiError, Frame, FrameMap, FrameType } from '../protocol.js';
import { codeForStatus } from '../errors/catalogue.js';

/** Why an upgrade is refused: the status and the `{"Error": ...}` text to answer with. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

export interface EventHubOptions {
  bus: EventBus;
  /** Mailbox counts for the `stats` frame. */
  counts: () => { Total: number; Unread: number };
  version: string;
  /** Origin, Host and credential checks for the upgrade request; null lets it through. */
  /** May answer later: checking an auth file's bcrypt hash is asynchronous. */
  authorize?: (request: IncomingMessage) => Refusal | null | Promise<Refusal | null>;
  path?: string;
  /** Ping interval; a socket that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
  /** A client that falls this far behind is dropped; it reconnects and resyncs. */
  maxBufferedBytes?: number;
  /** `stats` goes out at most this often while the mailbox changes. */
  statsIntervalMs?: number;
  report?: (error: unknown) => void;
}

/** Mailpit sends `prune` instead of per-message deletes past this many (internal/storage/search.go). */
const PRUNE_ABOVE = 200;

function frame<T extends FrameType>(Type: T, Data: FrameMap[T]): Frame {
  return { Type, Data } as Frame;
}

function perMessageOrPrune(ids: string[], each: (id: string) => Frame): Frame[] {
  return ids.length > PRUNE_ABOVE ? [frame('prune', null)] : ids.map(each);
}

const DEFAULTS = { path: '/api/events', heartbeatMs: 20_000, maxBufferedBytes: 4 * 1024 * 1024, statsIntervalMs: 250 };

/** Bus events that change the mailbox counts. */
const COUNTING: ReadonlySet<EventName> = new Set(['message.received', 'message.updated', 'message.deleted', 'store.reset']);

/**
 * WebSocket fan-out of bus events at /api/events in Mailpit's `{"Type", "Data"}` envelope.
 * Frames of one tick are serialised once and flushed together on setImmediate, so a burst
 * costs one pass over the clients per tick, not per event, and adds no timer latency.
 * Nothing here may throw into the bus: every handler is guarded and reports instead.
 */
export class EventHub {
  readonly #options: EventHubOptions & typeof DEFAULTS;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  readonly #alive = new WeakMap<WebSocket, boolean>();
  readonly #unsubscribe: Array<() => void> = [];
  #queue: string[] = [];
  #flushScheduled = false;
  #statsTimer: NodeJS.Timeout | undefined;
  #statsSentAt = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #servers = new Set<Server>();
  #closed = false;

  constructor(options: EventHubOptions) {
    this.#options = { ...DEFAULTS, ...options };
    // Mailpit's frames (internal/storage): one update or delete per message; a From-less
    // message is broadcast with an empty address, not null.
    this.#forward('message.received', (m) => [frame('new', { ...m, From: m.From ?? { Name: '', Address: '' } })]);
    this.#forward('message.updated', (u) => u.IDs.map((ID) => frame('update', { ID, Read: u.Read })));
    this.#forward('message.deleted', (d) => (d.All ? [frame('truncate', null)] : perMessageOrPrune(d.IDs, (ID) => frame('delete', { ID }))));
    this.#forward('message.tagged', (t) => (t.Tags ? t.IDs.map((ID) => frame('update', { ID, Tags: t.Tags! })) : [frame('prune', null)]));
    this.#forward('session.opened', (s) => [frame('session', s)]);
    this.#forward('session.closed', (s) => [frame('session', s)]);
    this.#forward('fault.fired', (f) => [frame('fault', f)]);
    this.#forward('scenario.changed', (s) => [frame('scenario', s)]);
    this.#forward('clock.changed', (c) => [frame('clock', c)]);
    this.#forward('store.reset', () => [frame('reset', {})]);
    this.#wss.on('connection', (ws) => this.#connected(ws));
    this.#wss.on('error', (error) => this.#report(error));
    this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatMs).unref();
  }

  get clientCount(): number {
    return this.#wss.clients.size;
  }

  /** Takes over upgrade requests for the events path on this HTTP server. */
  attach(server: Server): void {
    this.#servers.add(server);
    server.on('upgrade', this.#onUpgrade);
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      socket.on('error', () => {});
      const path = (request.url ?? '').split('?')[0];
      if (this.#closed) return refuse(socket, { status: 503, message: 'shutting down' });
      if (path !== this.#options.path) return refuse(socket, { status: 404, message: `no such endpoint: ${path}` });
      void Promise.resolve(this.#options.authorize?.(request) ?? null)
        .then((refusal) => {
          if (refusal) return refuse(socket, refusal);
          if (this.#closed || socket.destroyed) return socket.destroy();
          this.#wss.handleUpgrade(request, socket, head, (ws) => this.#wss.emit('connection', ws, request));
        })
        .catch((error: unknown) => this.#failedUpgrade(socket, error));
    } catch (error) {
      this.#failedUpgrade(socket, error);
    }
  };

  #failedUpgrade(socket: Duplex, error: unknown): void {
    this.#report(error);
    socket.destroy();
  }

  #forward<E extends EventName>(event: E, frames: (payload: EventMap[E]) => Frame[]): void {
    const off = this.#options.bus.on(event, (payload) => {
      try {
        if (!this.#wss.clients.size) return;
        for (const { Type, Data } of frames(payload)) this.#enqueue(Type, Data);
        if (COUNTING.has(event)) this.#statsChanged();
      } catch (error) {
        this.#report(error);
      }
    });
    this.#unsubscribe.push(off);
  }

  #enqueue<T extends FrameType>(type: T, data: FrameMap[T]): void {
    this.#queue.push(JSON.stringify({ Type: type, Data: data }));
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const frames = this.#queue;
    this.#queue = [];
    for (const ws of this.#wss.clients) this.#sendAll(ws, frames);
  }

  #sendAll(ws: WebSocket, frames: string[]): void {
    try {
      if (ws.readyState !== ws.OPEN) return;
      for (const frame of frames) {
        // A client that cannot keep up is dropped rather than buffered for without bound.
        if (ws.bufferedAmount > this.#options.maxBufferedBytes) {
          ws.terminate();
          return;
        }
        ws.send(frame);
      }
    } catch (error) {
      this.#report(error);
      ws.terminate();
    }
  }

  /** Leading and trailing throttle: the first change goes out at once, then at most every interval. */
  #statsChanged(): void {
    if (this.#statsTimer || this.#closed) return;
    const wait = Math.max(0, this.#statsSentAt + this.#options.statsIntervalMs - Date.now());
    this.#statsTimer = setTimeout(() => {
      this.#statsTimer = undefined;
      this.#statsSentAt = Date.now();
      try {
        if (this.#wss.clients.size) this.#enqueue('stats', this.#stats());
      } catch (error) {
        this.#report(error);
      }
    }, wait);
    this.#statsTimer.unref();
  }

  #stats(): FrameMap['stats'] {
    const { Total, Unread } = this.#options.counts();
    return { Total, Unread, Version: this.#options.version };
  }

  #connected(ws: WebSocket): void {
    this.#alive.set(ws, true);
    ws.on('pong', () => this.#alive.set(ws, true));
    ws.on('error', () => ws.terminate());
    // Incoming frames carry nothing we act on; the connection is a one-way feed.
    ws.on('message', () => {});
    try {
      // The current counts at once, so a (re)connecting client can tell what it missed.
      ws.send(JSON.stringify({ Type: 'stats', Data: this.#stats() }));
    } catch (error) {
      this.#report(error);
    }
  }

  #beat(): void {
    for (const ws of this.#wss.clients) {
      if (this.#alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.#alive.set(ws, false);
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }
  }

  #report(error: unknown): void {
    try {
      this.#options.report?.(error);
    } catch {
      // A failing reporter must not turn into a failing publisher.
    }
  }

  /** Says goodbye (1001) to every client and stops; sockets that do not close in time are cut. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#statsTimer);
    for (const off of this.#unsubscribe) off();
    for (const server of this.#servers) server.off('upgrade', this.#onUpgrade);
    const clients = [...this.#wss.clients];
    await Promise.all(
      clients.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => ws.terminate(), 500);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(1001, 'server shutting down');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

function refuse(socket: Duplex, { status, message, headers = {} }: Refusal): void {
  const body = JSON.stringify({ Error: message, Code: codeForStatus(status) } satisfies ApiError);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };
