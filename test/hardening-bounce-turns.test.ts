import { describe, expect, it } from 'vitest';
import { BounceScheduler } from '../server/app/bounce-scheduler.js';
import type { BounceSender, ReportRequest, SentReport } from '../server/app/bounce-sender.js';
import { RECIPIENTS_PER_TURN } from '../server/app/bounce-turns.js';
import { EventBus } from '../server/events/bus.js';
import type { AcceptedMessage, AcceptedRecipient } from '../server/ports/delivery-reports.js';
import { silentLog } from '../server/ports/log.js';

// Issue 9, item 8: the reports on a message of 100,000 recipients were planned and sent in the
// turn that stored it (one delivery.event per recipient), blocking the event loop for ~1 s. A
// large message is now worked through a slice of recipients per turn.

/** Records each send() as the real sender would split it: silent recipients get events only. */
function fakeSender() {
  const sends: ReportRequest[] = [];
  const events: string[] = [];
  const sender = {
    send(request: ReportRequest): Promise<SentReport> {
      sends.push(request);
      for (const r of request.recipients) events.push(r.address);
      return Promise.resolve({ id: null, dsn: null, details: null });
    },
    drop: () => Promise.resolve(),
  } as unknown as BounceSender;
  return { sender, sends, events };
}

function message(recipients: AcceptedRecipient[]): AcceptedMessage {
  return { id: 'm1', session: { id: 's1' } as AcceptedMessage['session'], envelopeFrom: 'app@example.com', recipients, scenario: 'default', hostname: 'mailsim.test' };
}

const many = (n: number, extra: Partial<AcceptedRecipient> = {}) => Array.from({ length: n }, (_, i) => ({ address: `r${i}@example.org`, ...extra }));
const clock = { now: () => 1_000 };
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('reports on a message with many recipients', () => {
  it('are made a slice of recipients per turn: other work runs in between, every recipient is reported once, in order', async () => {
    const n = 5 * RECIPIENTS_PER_TURN;
    const { sender, events } = fakeSender();
    const scheduler = new BounceScheduler({ sender, clock, bus: new EventBus(), log: silentLog });
    let seenByOtherWork = -1;
    scheduler.accepted(message(many(n)));
    const inAcceptedsTurn = events.length;
    setImmediate(() => (seenByOtherWork = events.length));
    while (events.length < n) await turn();
    scheduler.close();
    // Before, all n were reported inside accepted(), before anything else could run.
    expect(inAcceptedsTurn).toBeLessThan(n);
    expect(seenByOtherWork).toBeGreaterThanOrEqual(0);
    expect(seenByOtherWork).toBeLessThan(n);
    expect(events).toEqual(many(n).map((r) => r.address));
  });

  it('send one report (one DSN) to those who asked for one, and the others events only', async () => {
    const n = 3 * RECIPIENTS_PER_TURN;
    const recipients = many(n).map((r, i) => (i % 1000 === 7 ? { ...r, notify: ['SUCCESS'] } : r));
    const { sender, sends, events } = fakeSender();
    const scheduler = new BounceScheduler({ sender, clock, bus: new EventBus(), log: silentLog });
    scheduler.accepted(message(recipients));
    while (events.length < n) await turn();
    scheduler.close();
    const [report, ...quiet] = sends;
    expect(report!.action).toBe('delivered');
    expect(report!.recipients.map((r) => r.address)).toEqual(['r7@example.org', 'r1007@example.org', 'r2007@example.org']);
    expect(report!.silent).toEqual([]);
    for (const slice of quiet) expect(slice.silent).toEqual(slice.recipients.map((r) => r.address));
    expect(new Set(events).size).toBe(n);
  });

  it('a delayed bounce and its final failure cover every recipient; a reset stops work still spread over turns', async () => {
    const n = 2 * RECIPIENTS_PER_TURN + 1;
    const bounce = { kind: 'delayed' as const, afterMs: 0, dsn: true, then: { afterMs: 0 } };
    const { sender, sends, events } = fakeSender();
    const scheduler = new BounceScheduler({ sender, clock, bus: new EventBus(), log: silentLog });
    scheduler.accepted(message(many(n, { bounce })));
    while (events.length < 2 * n) await turn();
    expect(sends.map((s) => s.action)).toEqual(['delayed', 'failed']);
    expect(sends.every((s) => s.recipients.length === n)).toBe(true);

    scheduler.accepted(message(many(n)));
    scheduler.reset();
    for (let i = 0; i < 10; i++) await turn();
    scheduler.close();
    expect(events.length).toBe(2 * n);
  });
});
