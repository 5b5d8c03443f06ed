import { describe, expect, it } from 'vitest';
import { OneShotFaults, oneShotSchema } from '../../server/faults/one-shot.js';
import type { FaultContext } from '../../server/faults/context.js';
import { ctx, decision, outcome, reply } from './helpers.js';

const decideOneShot = (faults: OneShotFaults, at: FaultContext, scenario: string, render?: (text: string) => string) => decision(faults.take(at, scenario, render));

const fault = (input: Record<string, unknown>) => oneShotSchema.parse(input);
const rcpt = (recipient: string) => ctx('rcpt', { sender: 'a@b', recipient });

describe('OneShotFaults', () => {
  it('the next 3 messages to x@y get 421 4.7.0, then it is spent', () => {
    const faults = new OneShotFaults();
    const id = faults.add(fault({ when: { phase: 'rcpt', recipient: 'x@y' }, count: 3, action: { reply: reply(421, 'Try again later', '4.7.0') } }));
    expect(decideOneShot(faults, rcpt('other@y'), 'default')).toBeUndefined();
    const results = Array.from({ length: 4 }, () => decideOneShot(faults, rcpt('x@y'), 'default'));
    expect(results.map((d) => (d ? outcome(d) : 'none'))).toEqual(['421 4.7.0 Try again later', '421 4.7.0 Try again later', '421 4.7.0 Try again later', 'none']);
    expect(results[1]?.fired).toEqual([{ source: 'one-shot', name: id, phase: 'rcpt', reason: `one-shot ${id} matched rcpt x@y (2 of 3, 1 left)`,
        explanation: expect.objectContaining({ cause: 'A security or policy refusal the server does not detail (421 4.7.0).' }),
      },
    ]);
    expect(faults.list()).toMatchObject([{ id, remaining: 0, count: 3 }]);
  });

  it('the first matching fault with something left fires; list, remove and clear', () => {
    const faults = new OneShotFaults();
    const a = faults.add(fault({ when: { phase: 'mail' }, action: { reply: reply(451, 'a') } }));
    const b = faults.add(fault({ when: { phase: 'mail' }, count: 2, action: { reply: reply(452, 'b') } }));
    const mail = ctx('mail', { sender: 's@x' });
    expect([decideOneShot(faults, mail, 'x'), decideOneShot(faults, mail, 'x'), decideOneShot(faults, mail, 'x'), decideOneShot(faults, mail, 'x')].map((d) => (d ? outcome(d) : 'none'))).toEqual([
      '451 a',
      '452 b',
      '452 b',
      'none',
    ]);
    expect(faults.list().map((f) => [f.id, f.remaining])).toEqual([
      [a, 0],
      [b, 0],
    ]);
    expect(faults.remove(a)).toBe(true);
    expect(faults.remove(a)).toBe(false);
    expect(faults.list().map((f) => f.id)).toEqual([b]);
    faults.clear();
    expect(faults.list()).toEqual([]);
    expect(faults.add(fault({ when: { phase: 'mail' }, action: { stall: true } }))).not.toBe(b);
  });

  it('can be limited to one scenario', () => {
    const faults = new OneShotFaults();
    faults.add(fault({ when: { phase: 'connect' }, action: { disconnect: {} }, scenario: 'gmail' }));
    expect(decideOneShot(faults, ctx('connect'), 'ses')).toBeUndefined();
    expect(decideOneShot(faults, ctx('connect'), 'gmail')?.verdict).toEqual({ kind: 'disconnect' });
  });

  it('uses the rule matcher (CIDR, regex) and renders replies', () => {
    const faults = new OneShotFaults();
    faults.add(fault({ when: { phase: 'rcpt', client: '10.0.0.0/8', recipient: { regex: '^bounce' } }, action: { reply: reply(550, '<{recipient}> unknown') } }));
    expect(decideOneShot(faults, ctx('rcpt', { recipient: 'bounce@x', session: { clientAddress: '192.0.2.1' } }), 's')).toBeUndefined();
    const d = decideOneShot(faults, ctx('rcpt', { recipient: 'bounce@x', session: { clientAddress: '::ffff:10.1.1.1' } }), 's', (t) => t.replace('{recipient}', 'bounce@x'));
    expect(d && outcome(d)).toBe('550 <bounce@x> unknown');
  });

  it('refuses a bad count and a bad regex', () => {
    const faults = new OneShotFaults();
    expect(() => faults.add({ when: { phase: 'mail' }, count: 0, action: { stall: true } })).toThrow(RangeError);
    expect(() => faults.add({ when: { phase: 'mail', sender: { regex: '(', flags: 'i' } }, count: 1, action: { stall: true } })).toThrow(SyntaxError);
    expect(faults.list()).toEqual([]);
    expect(oneShotSchema.safeParse({ when: { phase: 'mail' }, action: {} }).success).toBe(false);
    expect(oneShotSchema.parse({ when: { phase: 'mail' }, action: { stall: true } }).count).toBe(1);
  });
});
