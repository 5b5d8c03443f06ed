import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../server/events/bus.js';
import type { MessageSummary } from '../server/protocol.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// Issue 9, item 8: with --max-recipients 100000 the end of DATA planned and reported on every
// recipient in one turn of the event loop (one delivery.event per recipient), and every other
// client waited for it: 0.8-1.9 s in bench:hostile row 8b. The reports on a large message are
// now made a slice of recipients per turn; another client's message is answered in between.
const N = 10_000;
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim({ maxRecipients: N });
});
afterAll(() => sim.stop());

/** A raw client that counts final reply lines as they come (re-scanning its buffer would be quadratic). */
class Client {
  replies = 0;
  last = '';
  #partial = '';
  #waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\r\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!/^\d{3} /.test(line)) continue;
        this.replies++;
        this.last = line;
        this.onReply(line);
      }
      this.#wake();
    });
    socket.on('close', () => this.#wake());
    socket.on('error', () => {});
  }

  onReply: (line: string) => void = () => {};

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  async until(replies: number): Promise<string> {
    while (this.replies < replies) {
      if (this.socket.destroyed) throw new Error(`closed after ${this.replies} replies: ${this.last}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.last;
  }
}

describe('the end of DATA of a session with many recipients', () => {
  it('answers another client while it reports on each recipient, and reports on all of them', async () => {
    const events: DeliveryEvent[] = [];
    const received: MessageSummary[] = [];
    const offs = [sim.harness.bus.on('delivery.event', (event) => events.push(event)), sim.harness.bus.on('message.received', (summary) => received.push(summary))];
    try {
      const bulk = await Client.open(sim.smtpPort);
      await bulk.until(1);
      bulk.socket.write('EHLO bulk.test\r\nMAIL FROM:<bulk@example.com>\r\n');
      await bulk.until(3);
      let rcpt = '';
      for (let i = 0; i < N; i++) rcpt += `RCPT TO:<r${i}@example.org>\r\n`;
      bulk.socket.write(`${rcpt}DATA\r\n`);
      expect(await bulk.until(4 + N)).toMatch(/^354 /);

      // The other client waits with its message written, all but the final dot.
      const other = await Client.open(sim.smtpPort);
      await other.until(1);
      other.socket.write('EHLO other.test\r\nMAIL FROM:<app@example.com>\r\nRCPT TO:<user@example.org>\r\nDATA\r\n');
      expect(await other.until(5)).toMatch(/^354 /);
      other.socket.write('Subject: still served\r\n\r\nhello\r\n');

      // Both messages end together: the bulk one reaches the store first, the other right behind it.
      let eventsAtOther250 = -1;
      other.onReply = (line) => {
        if (line.startsWith('250 ') && eventsAtOther250 < 0) eventsAtOther250 = events.filter((e) => e.envelopeFrom === 'bulk@example.com').length;
      };
      bulk.socket.write('Subject: many\r\n\r\nhello\r\n.\r\n');
      other.socket.write('.\r\n');
      expect(await other.until(6)).toMatch(/^250 /);
      expect(await bulk.until(5 + N)).toMatch(/^250 /);
      // Before, the bulk message's N delivery events were all published in the turn that
      // stored it, ahead of the other client's 250.
      expect(eventsAtOther250).toBeLessThan(N);

      // Every recipient is recorded and reported, once.
      const id = /queued as (\S+)/.exec(bulk.last)?.[1] ?? bulk.last.split(' ').at(-1);
      while (events.filter((e) => e.messageId === id).length < N) await new Promise((resolve) => setImmediate(resolve));
      const reported = events.filter((e) => e.messageId === id);
      expect(new Set(reported.map((e) => e.recipient)).size).toBe(N);
      expect(reported.every((e) => e.kind === 'delivered')).toBe(true);
      const { body } = await getJson<{ Envelope?: { To: string[] }; Bcc: unknown[] }>(`${sim.url}/api/v1/message/${id}`);
      expect(body.Bcc).toHaveLength(N);
      // The store's reply leaves the envelope's recipients out; the published summary has them all.
      expect(received.find((m) => m.ID === id)?.Envelope.To).toEqual(Array.from({ length: N }, (_, i) => `r${i}@example.org`));
      bulk.socket.end('QUIT\r\n');
      other.socket.end('QUIT\r\n');
    } finally {
      for (const off of offs) off();
    }
  });
});
