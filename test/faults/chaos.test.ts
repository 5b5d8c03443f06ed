import { describe, expect, it } from 'vitest';
import { Chaos } from '../../server/faults/chaos.js';
import type { FaultContext } from '../../server/faults/context.js';
import { ctx, decision, outcome } from './helpers.js';

const decideChaos = (chaos: Chaos, at: FaultContext) => decision(chaos.take(at));

const DEFAULTS = { Sender: { ErrorCode: 451, Probability: 0 }, Recipient: { ErrorCode: 451, Probability: 0 }, Authentication: { ErrorCode: 535, Probability: 0 } };
const mail = ctx('mail', { sender: 'a@b' });
const rcpt = ctx('rcpt', { sender: 'a@b', recipient: 'c@d' });
const auth = ctx('auth', { auth: { mechanism: 'PLAIN', user: 'u', password: 'p' } });

describe('Chaos (Mailpit triggers)', () => {
  it('starts at Mailpit defaults: 451/451/535 at 0%', () => {
    const chaos = new Chaos();
    expect(chaos.get()).toEqual(DEFAULTS);
    expect([decideChaos(chaos, mail), decideChaos(chaos, rcpt), decideChaos(chaos, auth)]).toEqual([undefined, undefined, undefined]);
  });

  it('maps Sender to MAIL, Recipient to RCPT, Authentication to AUTH, with Mailpit texts and no enhanced code', () => {
    const chaos = new Chaos();
    chaos.set({ Sender: { ErrorCode: 452, Probability: 100 }, Recipient: { Probability: 100 }, Authentication: { ErrorCode: 0, Probability: 100 } });
    expect(outcome(decideChaos(chaos, mail)!)).toBe('452 Chaos sender error');
    expect(outcome(decideChaos(chaos, rcpt)!)).toBe('451 Chaos recipient error');
    expect(decideChaos(chaos, auth)!.verdict).toEqual({ kind: 'reply', reply: { code: 535, lines: ['Chaos authentication error'] } });
    expect(decideChaos(chaos, auth)!.fired).toEqual([{ source: 'chaos', name: 'Authentication', phase: 'auth', reason: 'chaos: Authentication trigger fired at auth (535 at 100%)',
        explanation: { cause: 'The credentials were refused (535).', advice: 'Fix the mailer settings (credentials, TLS) before sending again: the same attempt fails the same way.', source: 'RFC 4954 §6' },
      },
    ]);
    for (const phase of ['connect', 'helo', 'data-start', 'data-end'] as const) expect(decideChaos(chaos, ctx(phase))).toBeUndefined();
  });

  it('set: omitted triggers go back to default at 0%, {} resets all (Mailpit semantics)', () => {
    const chaos = new Chaos();
    chaos.set({ Sender: { ErrorCode: 550, Probability: 10 }, Recipient: { ErrorCode: 450, Probability: 20 } });
    expect(chaos.set({ Recipient: { ErrorCode: 421, Probability: 5 } })).toEqual({ ...DEFAULTS, Recipient: { ErrorCode: 421, Probability: 5 } });
    expect(chaos.set({})).toEqual(DEFAULTS);
  });

  it('validates codes and probabilities, keeping the old triggers on error', () => {
    const chaos = new Chaos();
    chaos.set({ Sender: { ErrorCode: 451, Probability: 50 } });
    for (const bad of [{ Sender: { ErrorCode: 399, Probability: 1 } }, { Sender: { ErrorCode: 600 } }, { Recipient: { Probability: 101 } }, { Recipient: { Probability: 1.5 } }, { Other: {} }]) {
      expect(() => chaos.set(bad as never)).toThrow();
    }
    expect(chaos.get().Sender).toEqual({ ErrorCode: 451, Probability: 50 });
  });

  it('draws from a seeded stream: reproducible, near the probability, independent per trigger', () => {
    const rate = (seed: number) => {
      const chaos = new Chaos(seed);
      chaos.set({ Recipient: { Probability: 25 } });
      return Array.from({ length: 10_000 }, () => decideChaos(chaos, rcpt) !== undefined);
    };
    const hits = rate(1);
    expect(rate(1)).toEqual(hits);
    expect(rate(2)).not.toEqual(hits);
    expect(Math.abs(hits.filter(Boolean).length / 10_000 - 0.25)).toBeLessThan(0.02);

    const both = new Chaos(1);
    both.set({ Recipient: { Probability: 25 }, Sender: { Probability: 50 } });
    const interleaved = Array.from({ length: 10_000 }, () => {
      decideChaos(both, mail);
      return decideChaos(both, rcpt) !== undefined;
    });
    expect(interleaved).toEqual(hits);
  });

  it('reset restores the defaults and rewinds the stream', () => {
    const chaos = new Chaos(3);
    chaos.set({ Sender: { Probability: 50 } });
    const first = Array.from({ length: 50 }, () => decideChaos(chaos, mail) !== undefined);
    chaos.reset();
    expect(chaos.get()).toEqual(DEFAULTS);
    chaos.set({ Sender: { Probability: 50 } });
    expect(Array.from({ length: 50 }, () => decideChaos(chaos, mail) !== undefined)).toEqual(first);
  });
});
