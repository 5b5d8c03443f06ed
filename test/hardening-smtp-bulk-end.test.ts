import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../server/events/bus.js';
import type { MessageSummary } from '../server/protocol.js';
import { burstAddresses, CountingClient as Client, rcptBurst } from './helpers/rcpt-burst.js';
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
      bulk.socket.write(`${rcptBurst(N)}DATA\r\n`);
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
      const { body } = await getJson<{ Bcc: unknown[] }>(`${sim.url}/api/v1/message/${id}`);
      expect(body.Bcc).toHaveLength(N);
      // The store's reply leaves the envelope's recipients and the Bcc they imply out; the
      // published summary has them all, as stored.
      const summary = received.find((m) => m.ID === id);
      expect(summary?.Envelope.To).toEqual(burstAddresses(N));
      expect(summary?.Bcc).toEqual(body.Bcc);
      bulk.socket.end('QUIT\r\n');
      other.socket.end('QUIT\r\n');
    } finally {
      for (const off of offs) off();
    }
  });
});
