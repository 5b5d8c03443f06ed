import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultController } from '../server/faults/controller.js';
import { systemClock } from '../server/ports/contracts.js';
import { bareListener } from './helpers/bare-listener.js';
import { sendOne } from './helpers/hostile-smtp.js';
import { CountingClient, rcptBurst } from './helpers/rcpt-burst.js';

// Issue 9, item 8: 100,000 RCPT in one session took 126 s, because something per recipient was
// linear in the recipients so far. With --max-recipients raised, a session's cost must grow
// linearly with its recipients, and other clients must be served while it pipelines them.
const stored: Array<{ to: number }> = [];
/**
 * The recipient lists the fault engine was handed at RCPT, each kept once: the adapter keeps one
 * list per transaction and appends to it, so there is one per transaction however many RCPT it
 * has. A copy per RCPT (the 126 s: each copy as long as the recipients so far) shows up as
 * thousands here.
 */
const rcptLists = new Set<readonly string[]>();
let rcptDecisions = 0;
class CountingController extends FaultController {
  override decide(...args: Parameters<FaultController['decide']>): ReturnType<FaultController['decide']> {
    const [, ctx] = args;
    if (ctx.phase === 'rcpt') {
      rcptDecisions++;
      rcptLists.add(ctx.recipients);
    }
    return super.decide(...args);
  }
}
const listener = bareListener({
  maxRecipients: 1_000_000,
  faults: new CountingController({ clock: systemClock, defaults: { hostname: 'mailsim.test', maxMessageSize: 1024 * 1024 } }),
  messages: {
    ingest: ({ envelope }) => {
      stored.push({ to: envelope.to.length });
      return Promise.resolve({ id: `m${stored.length}` });
    },
  },
});
let port = 0;
beforeAll(async () => {
  port = (await listener.listen()).port;
});
afterAll(() => listener.close(100));

/**
 * One session of `n` pipelined RCPT, then a message to all of them; a second client sends its
 * message once the first RCPT replies are in. Resolves with the replies and how many RCPT
 * replies the bulk client had when the second client's message was accepted.
 */
async function session(n: number) {
  const client = await CountingClient.open(port);
  await client.until(1);
  client.socket.write('EHLO many.test\r\nMAIL FROM:<bulk@example.com>\r\n');
  await client.until(3);
  client.socket.write(rcptBurst(n));
  let servedAt: number | undefined;
  const other = client
    .until(4)
    .then(() => sendOne(port))
    .then((reply) => ((servedAt = client.replies - 3), reply));
  await client.until(3 + n);
  const rcptReply = client.last;
  client.socket.write('DATA\r\n');
  await client.until(4 + n);
  client.socket.write('Subject: many\r\n\r\nhello\r\n.\r\n');
  await client.until(5 + n);
  const endReply = client.last;
  client.socket.end('QUIT\r\n');
  return { rcptReply, endReply, otherReply: await other, servedAt };
}

describe('many recipients in one session', () => {
  it('does O(1) work per RCPT, delivers to all of them, and serves other clients meanwhile', async () => {
    const n = 5_000;
    const bulk = await session(n);
    expect(bulk.rcptReply).toMatch(/^250 /);
    expect(bulk.endReply).toMatch(/^250 /);
    expect(stored.at(-1)).toEqual({ to: n });
    expect(rcptDecisions).toBe(n + 1); // the other client's one RCPT too
    expect(rcptLists.size).toBe(2);
    // smtp-server answers at most 100 pipelined commands per turn of the event loop: the other
    // client's whole transaction fits between them, long before the bulk session is answered.
    expect(bulk.otherReply).toMatch(/^250 /);
    expect(bulk.servedAt).toBeLessThan(n);
  });
});
