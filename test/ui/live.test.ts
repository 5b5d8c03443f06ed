import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../ui/src/lib/backoff.js';
import { Batcher, frameScheduler } from '../../ui/src/lib/batcher.js';
import { parseFrame } from '../../ui/src/lib/frames.js';
import { LiveConnection, type LiveStatus, type SocketLike } from '../../ui/src/lib/live-connection.js';

class FakeSocket implements SocketLike {
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  close(): void {
    this.closed = true;
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  const statuses: Array<[LiveStatus, number | undefined]> = [];
  const opens: boolean[] = [];
  const messages: unknown[] = [];
  const connection = new LiveConnection({
    url: 'ws://127.0.0.1/api/events',
    connect: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    onMessage: (data) => messages.push(data),
    onOpen: (reconnected) => opens.push(reconnected),
    onStatus: (status, ms) => statuses.push([status, ms]),
    setTimeout: (fn, ms) => {
      const timer = { fn, ms, cancelled: false };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      if (handle) (handle as { cancelled: boolean }).cancelled = true;
    },
    random: () => 1,
    backoff: { baseMs: 500, maxMs: 8000 },
  });
  const fire = () => {
    const timer = timers.filter((t) => !t.cancelled).at(-1)!;
    timer.cancelled = true;
    timer.fn();
    return timer.ms;
  };
  return { connection, sockets, timers, statuses, opens, messages, fire };
}

describe('backoff', () => {
  it('doubles up to the ceiling, with jitter between half and all of it', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, () => 1, { baseMs: 500, maxMs: 8000 }))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffDelay(3, () => 0, { baseMs: 500, maxMs: 8000 })).toBe(2000);
  });
});

describe('LiveConnection', () => {
  it('connects, passes frames on, and reconnects with growing delays', () => {
    const h = harness();
    h.connection.start();
    h.sockets[0]!.onopen!();
    expect(h.opens).toEqual([false]);
    h.sockets[0]!.onmessage!({ data: '{"Type":"stats","Data":{}}' });
    expect(h.messages).toEqual(['{"Type":"stats","Data":{}}']);

    // The server goes away; each failed attempt waits longer.
    h.sockets[0]!.onclose!();
    expect(h.fire()).toBe(500);
    h.sockets[1]!.onclose!();
    expect(h.fire()).toBe(1000);
    h.sockets[2]!.onclose!();
    expect(h.fire()).toBe(2000);
    expect(h.statuses.filter(([s]) => s === 'waiting').map(([, ms]) => ms)).toEqual([500, 1000, 2000]);

    // Back: the open asks for a resync, and the delay starts over.
    h.sockets[3]!.onopen!();
    expect(h.opens).toEqual([false, true]);
    expect(h.statuses.at(-1)).toEqual(['live', undefined]);
    h.sockets[3]!.onclose!();
    expect(h.fire()).toBe(500);
  });

  it('retries at once on demand, and stops cleanly', () => {
    const h = harness();
    h.connection.start();
    h.sockets[0]!.onclose!();
    h.connection.retryNow();
    expect(h.sockets).toHaveLength(2);
    expect(h.timers[0]!.cancelled).toBe(true);
    h.connection.stop();
    expect(h.sockets[1]!.closed).toBe(true);
    expect(h.statuses.at(-1)![0]).toBe('stopped');
    h.connection.retryNow();
    expect(h.sockets).toHaveLength(2);
  });
});

describe('frames and batching', () => {
  it('parses Mailpit envelopes and ignores garbage', () => {
    expect(parseFrame('{"Type":"new","Data":{"ID":"x"}}')).toEqual({ Type: 'new', Data: { ID: 'x' } });
    expect(parseFrame('nope')).toBeUndefined();
    expect(parseFrame('{"Type":1,"Data":{}}')).toBeUndefined();
    expect(parseFrame(new ArrayBuffer(2))).toBeUndefined();
  });

  it('delivers one batch per scheduled flush', () => {
    const scheduled: Array<() => void> = [];
    const batches: number[][] = [];
    const batcher = new Batcher<number>((b) => batches.push(b), (flush) => scheduled.push(flush), () => {});
    for (let i = 0; i < 1000; i++) batcher.push(i);
    expect(scheduled).toHaveLength(1);
    scheduled[0]!();
    batcher.push(1000);
    scheduled[1]!();
    expect(batches.map((b) => b.length)).toEqual([1000, 1]);
  });

  it('drops an overgrown queue and asks for a resync instead', () => {
    const scheduled: Array<() => void> = [];
    let resyncs = 0;
    const batches: number[][] = [];
    const batcher = new Batcher<number>((b) => batches.push(b), (flush) => scheduled.push(flush), () => resyncs++, 100);
    for (let i = 0; i < 250; i++) batcher.push(i);
    scheduled[0]!();
    expect(resyncs).toBe(1);
    expect(batches).toEqual([]);
    batcher.push(1);
    scheduled[1]!();
    expect(batches).toEqual([[1]]);
  });

  it('flushes on the animation frame or the fallback timer, whichever comes first, once', () => {
    const frames: Array<() => void> = [];
    const timeouts: Array<() => void> = [];
    let flushed = 0;
    const schedule = frameScheduler((cb) => frames.push(cb), (cb) => timeouts.push(cb));
    schedule(() => flushed++);
    timeouts[0]!();
    frames[0]!();
    expect(flushed).toBe(1);
  });
});
