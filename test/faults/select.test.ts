import { describe, expect, it } from 'vitest';
import { RuleSelector } from '../../server/faults/select.js';
import { selectSchema } from '../../server/faults/schema.js';
import { ctx, HOUR, T0 } from './helpers.js';

const selector = (input: Record<string, unknown>, seed = 1, stream = 0) => new RuleSelector(selectSchema.parse(input), seed, stream);

/** Which of n identical events the selector picks (1-based). */
function picked(input: Record<string, unknown>, n: number): number[] {
  const s = selector(input);
  const out: number[] = [];
  for (let i = 1; i <= n; i++) if (s.pick(ctx('rcpt', { recipient: 'a@b' }), T0)) out.push(i);
  return out;
}

describe('RuleSelector', () => {
  it('selects every matching event by default', () => {
    expect(picked({}, 4)).toEqual([1, 2, 3, 4]);
  });

  it.each<[Record<string, unknown>, number[]]>([
    [{ first: 2 }, [1, 2]],
    [{ after: 3 }, [4, 5, 6, 7, 8]],
    [{ nth: 3 }, [3]],
    [{ every: 3 }, [3, 6]],
    [{ after: 2, every: 2 }, [4, 6, 8]],
    [{ first: 5, every: 2 }, [2, 4]],
    [{ probability: 0 }, []],
    [{ probability: 1 }, [1, 2, 3, 4, 5, 6, 7, 8]],
  ])('%j picks %j of 8', (input, expected) => {
    expect(picked(input, 8)).toEqual(expected);
  });

  it('counts per key', () => {
    const s = selector({ per: 'recipient', first: 1 });
    const rcpt = (recipient: string) => Boolean(s.pick(ctx('rcpt', { recipient }), T0));
    expect([rcpt('a@x'), rcpt('b@x'), rcpt('A@X'), rcpt('b@x'), rcpt('c@x')]).toEqual([true, true, false, false, true]);
  });

  it.each<[string, (n: number) => ReturnType<typeof ctx>]>([
    ['session', (n) => ctx('mail', { sender: 'a@b', session: { id: `s${n % 2}` } })],
    ['sender', (n) => ctx('mail', { sender: `u${n % 2}@b` })],
    ['user', (n) => ctx('mail', { sender: 'a@b', session: { user: `u${n % 2}` } })],
    ['client', (n) => ctx('mail', { sender: 'a@b', session: { clientAddress: n % 2 ? '::ffff:10.0.0.1' : '10.0.0.2' } })],
  ])('per %s keeps a count for each value', (per, make) => {
    const s = selector({ per, nth: 2 });
    const hits = [0, 1, 2, 3, 4, 5].map((n) => Boolean(s.pick(make(n), T0)));
    expect(hits).toEqual([false, false, true, true, false, false]);
  });

  it('per client treats a mapped address as the same client', () => {
    const s = selector({ per: 'client', nth: 2 });
    expect(s.pick(ctx('connect', { session: { clientAddress: '10.0.0.1' } }), T0)).toBeUndefined();
    expect(s.pick(ctx('connect', { session: { clientAddress: '::ffff:10.0.0.1' } }), T0)).toEqual({ event: 2, key: '10.0.0.1' });
  });

  it('window: only while the local time is in [from, to)', () => {
    const s = selector({ window: { from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' } });
    const at = (utcHour: number, minute = 0) => Boolean(s.pick(ctx('mail', { sender: 'a@b' }), Date.UTC(2026, 10, 23, utcHour, minute)));
    // Berlin is UTC+1 in November.
    expect([at(7, 59), at(8, 0), at(15, 59), at(16, 0)]).toEqual([false, true, true, false]);
  });

  it('window wraps past midnight', () => {
    const s = selector({ window: { from: '22:00', to: '06:00' } });
    const at = (hour: number) => Boolean(s.pick(ctx('mail', { sender: 'a@b' }), Date.UTC(2026, 10, 23, hour)));
    expect([at(21), at(22), at(23), at(0), at(5), at(6), at(12)]).toEqual([false, true, true, true, true, false, false]);
  });

  it('window follows the time zone across DST', () => {
    const s = selector({ window: { from: '09:00', to: '10:00', timeZone: 'America/New_York' } });
    const at = (t: number) => Boolean(s.pick(ctx('mail', { sender: 'a@b' }), t));
    expect(at(Date.UTC(2026, 6, 1, 13, 30))).toBe(true); // EDT, UTC−4
    expect(at(Date.UTC(2026, 0, 5, 13, 30))).toBe(false); // EST, UTC−5: 08:30
    expect(at(Date.UTC(2026, 0, 5, 14, 30))).toBe(true);
  });

  it('events outside the window are not counted', () => {
    const s = selector({ first: 1, window: { from: '09:00', to: '10:00' } });
    const mail = ctx('mail', { sender: 'a@b' });
    expect(s.pick(mail, Date.UTC(2026, 10, 23, 8))).toBeUndefined();
    expect(s.pick(mail, Date.UTC(2026, 10, 23, 9))).toEqual({ event: 1, key: '*' });
    expect(s.pick(mail, Date.UTC(2026, 10, 23, 9, 30))).toBeUndefined();
  });

  it('probability: a hit rate near p over 10,000 draws', () => {
    for (const p of [0.05, 0.2, 0.5, 0.9]) {
      const hits = picked({ probability: p }, 10_000).length;
      expect(Math.abs(hits / 10_000 - p)).toBeLessThan(0.02);
    }
  });

  it('probability: same seed and stream, same picks; reset rewinds', () => {
    const run = (seed: number, stream: number) => {
      const s = selector({ probability: 0.5 }, seed, stream);
      return Array.from({ length: 64 }, () => Boolean(s.pick(ctx('mail', { sender: 'a@b' }), T0 + HOUR)));
    };
    expect(run(9, 2)).toEqual(run(9, 2));
    expect(run(9, 2)).not.toEqual(run(10, 2));
    expect(run(9, 2)).not.toEqual(run(9, 3));
    const s = selector({ probability: 0.5, first: 40 }, 9, 2);
    const first = Array.from({ length: 64 }, () => Boolean(s.pick(ctx('mail', { sender: 'a@b' }), T0)));
    s.reset();
    const again = Array.from({ length: 64 }, () => Boolean(s.pick(ctx('mail', { sender: 'a@b' }), T0)));
    expect(again).toEqual(first);
    expect(first.slice(40).every((hit) => !hit)).toBe(true);
  });
});
