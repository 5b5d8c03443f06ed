import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ctx, engine, outcome, reply, type TestEngine } from './helpers.js';

type Phase = 'mail' | 'rcpt' | 'data-start' | 'data-end';
type Count = 'messages' | 'recipients';

interface Transaction {
  recipients: string[];
}

/**
 * One client session as the SMTP adapter drives the engine: every command of a transaction is
 * decided at once (as smtp-server calls the hooks), the store answers later, in any order.
 */
class Client {
  open: Transaction | undefined;
  constructor(
    private readonly e: TestEngine,
    readonly id: string,
  ) {}

  private at(phase: Parameters<typeof ctx>[0], extra: { recipient?: string; recipients: string[] }) {
    return ctx(phase, { sender: 'app@shop.example', session: { id: this.id }, message: phase === 'data-end' ? { size: 10, headers: {} } : undefined, ...extra });
  }

  /** MAIL, RCPT × n, DATA, end of DATA; true when the message goes to the store. */
  begin(recipients: number): boolean {
    if (outcome(this.e.decide(this.at('mail', { recipients: [] }))) !== 'continue') return this.reset();
    const accepted: string[] = [];
    for (let i = 0; i < recipients; i++) {
      const recipient = `r${i}@x.org`;
      if (outcome(this.e.decide(this.at('rcpt', { recipient, recipients: [...accepted] }))) === 'continue') accepted.push(recipient);
    }
    if (accepted.length === 0) return this.reset();
    if (outcome(this.e.decide(this.at('data-start', { recipients: accepted }))) !== 'continue') return this.reset();
    if (outcome(this.e.decide(this.at('data-end', { recipients: accepted }))) !== 'continue') return this.reset();
    this.open = { recipients: accepted };
    return true;
  }

  stored(): void {
    this.e.delivered(this.at('data-end', { recipients: this.open!.recipients }));
    this.open = undefined;
  }

  /** The store failed (451): the client resets, as nodemailer and Postfix do before the next message. */
  storeFailed(): void {
    this.open = undefined;
    this.reset();
  }

  private reset(): false {
    this.e.decide(this.at('rset', { recipients: [] }));
    return false;
  }

  close(): void {
    this.e.sessionClosed(this.id);
  }
}

const command = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), client: fc.nat(5), recipients: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('stored' as const), client: fc.nat(5) }),
  fc.record({ kind: fc.constant('failed' as const), client: fc.nat(5) }),
  fc.record({ kind: fc.constant('close' as const), client: fc.nat(5) }),
);

const setting = fc
  .record({ phase: fc.constantFrom<Phase>('mail', 'rcpt', 'data-start', 'data-end'), count: fc.constantFrom<Count>('messages', 'recipients'), max: fc.integer({ min: 0, max: 12 }) })
  .filter((s) => !(s.phase === 'mail' && s.count === 'recipients'));

describe('limits never overshoot under concurrent sessions (issue 11 item 1)', () => {
  it('property: stored + in flight never passes max, whatever order checks, stores, failures and closes come in; no room leaks', () => {
    let runs = 0;
    let refusedWithRoomHeld = 0;
    fc.assert(
      fc.property(setting, fc.array(command, { maxLength: 80 }), ({ phase, count, max }, commands) => {
        runs += 1;
        const { engine: e } = engine({ limits: [{ name: 'quota', kind: 'messages', key: 'global', count, phase, max, window: { fixed: '1d' }, reply: reply(454, 'quota') }] });
        let clients = Array.from({ length: 6 }, (_, i) => new Client(e, `c${i}`));
        const amount = (t: Transaction) => (count === 'recipients' ? t.recipients.length : 1);
        let counted = 0;
        const inFlight = () => clients.reduce((sum, c) => sum + (c.open ? amount(c.open) : 0), 0);
        for (const step of commands) {
          const client = clients[step.client]!;
          if (step.kind === 'send' && !client.open) {
            if (!client.begin(step.recipients) && inFlight() > 0) refusedWithRoomHeld += 1;
          } else if (step.kind === 'stored' && client.open) {
            counted += amount(client.open);
            client.stored();
          } else if (step.kind === 'failed' && client.open) {
            client.storeFailed();
          } else if (step.kind === 'close' && !client.open) {
            // The adapter closes a session only once its message is stored or refused.
            client.close();
            clients = clients.map((c) => (c === client ? new Client(e, `${c.id}'`) : c));
          }
          expect(counted + inFlight()).toBeLessThanOrEqual(max);
          expect(e.counters()[0]!.count).toBe(counted);
        }
        for (const c of clients) if (c.open) c.storeFailed();
        for (const c of clients) c.close();
        // Every hold given back: a fresh sender gets exactly the rest of the quota.
        const last = new Client(e, 'last');
        let more = 0;
        while (last.begin(1)) {
          last.stored();
          more += 1;
        }
        expect(counted + more).toBe(max);
      }),
      { numRuns: 300, seed: 11 },
    );
    expect(runs).toBe(300);
    expect(refusedWithRoomHeld).toBeGreaterThan(0);
  });

  it('two sessions at end of DATA with one slot left: the second is refused until the first is stored or fails', () => {
    const { engine: e } = engine({ limits: [{ name: 'rate', kind: 'messages', max: 1, window: { rolling: '1s' }, reply: reply(454, 'Throttling failure: Maximum sending rate exceeded.') }] });
    const a = new Client(e, 'a');
    const b = new Client(e, 'b');
    expect(a.begin(1)).toBe(true);
    const refused = e.decide(ctx('data-end', { sender: 's@x', recipients: ['r@x'], session: { id: 'b' }, message: { size: 1, headers: {} } }));
    expect(outcome(refused)).toBe('454 Throttling failure: Maximum sending rate exceeded.');
    expect(refused.fired[0]?.reason).toMatch(/^limit 'rate': 2nd message overall \(max 1, 1 held by messages not stored yet, /);
    a.storeFailed();
    expect(b.begin(1)).toBe(true);
    b.close(); // the adapter waits for the store: here the hold goes with the session
    expect(a.begin(1)).toBe(true);
  });
});
