import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedWindowAt } from '../../server/faults/fixed-window.js';
import { createWindowCounter } from '../../server/faults/window-counter.js';
import { wallClock, wallTimeToInstant } from '../../server/faults/time-of-day.js';
import { timeZoneOffset } from '../../server/util/time-zone.js';
import { ctx, DAY, engine, HOUR, outcome, T0 } from './helpers.js';

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata'];

describe('window counters', () => {
  it('fixed: counts per key within the window and starts over at the boundary', () => {
    const counter = createWindowCounter({ fixed: '1h', timeZone: 'UTC' });
    const t = Date.UTC(2026, 10, 21, 12, 10);
    counter.add('a', t);
    counter.add('a', t + 1000);
    counter.add('b', t);
    expect([counter.count('a', t + 2000), counter.count('b', t + 2000), counter.count('c', t)]).toEqual([2, 1, 0]);
    expect(counter.snapshot('a', t)).toEqual({ count: 2, windowStart: Date.UTC(2026, 10, 21, 12), nextReset: Date.UTC(2026, 10, 21, 13) });
    expect(counter.count('a', Date.UTC(2026, 10, 21, 13))).toBe(0);
    counter.add('a', Date.UTC(2026, 10, 21, 13));
    expect(counter.count('a', Date.UTC(2026, 10, 21, 13, 1))).toBe(1);
    expect(counter.keys().sort()).toEqual(['a', 'b']);
    counter.clear();
    expect(counter.count('b', t)).toBe(0);
  });

  it('rolling: events in (now − length, now], nextReset when the oldest leaves', () => {
    const counter = createWindowCounter({ rolling: '10m' });
    counter.add('a', T0);
    counter.add('a', T0 + 5 * 60_000);
    expect(counter.count('a', T0 + 10 * 60_000 - 1)).toBe(2);
    expect(counter.snapshot('a', T0 + 360_000)).toEqual({ count: 2, windowStart: T0 + 360_000 - 600_000, nextReset: T0 + 600_000 });
    expect(counter.count('a', T0 + 60_000)).toBe(1);
    expect(counter.count('a', T0 + 10 * 60_000)).toBe(1);
    expect(counter.count('a', T0 + 15 * 60_000)).toBe(0);
    expect(counter.snapshot('a', T0 + 15 * 60_000).nextReset).toBeNull();
  });

  it('(c) property: the rolling count equals a brute-force count of timestamps in (now − len, now]', () => {
    const op = fc.record({ add: fc.boolean(), dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90_000 })), key: fc.constantFrom('a', 'b') });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120_000 }), fc.array(op, { maxLength: 200 }), (lengthMs, ops) => {
        const counter = createWindowCounter({ rolling: lengthMs });
        const added: Record<string, number[]> = { a: [], b: [] };
        let now = T0;
        for (const { add, dt, key } of ops) {
          now += dt;
          if (add) {
            counter.add(key, now);
            added[key]!.push(now);
          }
          const live = added[key]!.filter((t) => t > now - lengthMs && t <= now);
          expect(counter.count(key, now)).toBe(live.length);
          expect(counter.snapshot(key, now).nextReset).toBe(live.length ? Math.min(...live) + lengthMs : null);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('fixed-window message limit (engine)', () => {
  it('(b) property: never more than max messages in one window, and the full max again after each boundary', () => {
    const window = fc.oneof(
      fc.record({ fixed: fc.constantFrom('1m', '15m', '1h', '6h'), timeZone: fc.constantFrom(...ZONES) }),
      fc.record({ fixed: fc.constantFrom('1d', '2d'), resetAt: fc.constantFrom('00:00', '02:30', '23:00'), timeZone: fc.constantFrom(...ZONES) }),
    );
    fc.assert(
      fc.property(
        window,
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
        fc.array(fc.integer({ min: 0, max: 8 * HOUR }), { minLength: 1, maxLength: 60 }),
        (win, max, start, gaps) => {
          const { engine: e, clock } = engine({ limits: [{ name: 'quota', kind: 'messages', max, window: win, reply: { code: 550, text: 'quota' } }] });
          clock.t = start;
          const spec = { lengthMs: { '1m': 60_000, '15m': 900_000, '1h': HOUR, '6h': 6 * HOUR, '1d': DAY, '2d': 2 * DAY }[win.fixed]!, timeZone: win.timeZone, resetAt: 'resetAt' in win ? win.resetAt : undefined };
          const attempts = new Map<number, number>();
          const accepted = new Map<number, number>();
          for (const gap of gaps) {
            clock.advance(gap);
            const w = fixedWindowAt(clock.t, spec).start;
            attempts.set(w, (attempts.get(w) ?? 0) + 1);
            const message = ctx('data-end', { sender: 'a@b', recipients: ['c@d'], message: { size: 10, headers: {} } });
            if (outcome(e.decide(message)) === 'continue') {
              e.delivered(message);
              accepted.set(w, (accepted.get(w) ?? 0) + 1);
            }
          }
          for (const [w, tried] of attempts) expect(accepted.get(w) ?? 0).toBe(Math.min(tried, max));
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** The instants a zone's UTC offset changes in a year (found by a weekly scan, then bisection). */
const transitionCache = new Map<string, number[]>();
function transitions(zone: string, year: number): number[] {
  const key = `${zone}/${year}`;
  const cached = transitionCache.get(key);
  if (cached) return cached;
  const offset = (t: number) => timeZoneOffset(zone, t);
  const found: number[] = [];
  // Offsets change at most a few times a year, never twice within a week.
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 7 * DAY) {
    if (offset(t) === offset(t + 7 * DAY)) continue;
    let [low, high] = [t, t + 7 * DAY];
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (offset(middle) === offset(t)) low = middle;
      else high = middle;
    }
    found.push(high);
  }
  transitionCache.set(key, found);
  return found;
}

describe('wallTimeToInstant', () => {
  const zone = fc.constantFrom(...ZONES, 'America/Santiago', 'America/Havana');
  /** Uniform instants, and instants within three hours of a DST transition of the zone. */
  const nearTransition = fc.tuple(zone, fc.integer({ min: 2000, max: 2039 }), fc.nat(), fc.integer({ min: -3 * HOUR, max: 3 * HOUR })).map(([z, year, pick, delta]) => {
    const list = transitions(z, year);
    return [z, list.length ? list[pick % list.length]! + delta : Date.UTC(year, 5, 1) + delta] as const;
  });
  const uniform = fc.tuple(zone, fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }));

  it('property: maps a wall time back to the first instant showing it', () => {
    fc.assert(
      fc.property(fc.oneof(uniform, nearTransition), ([z, t]) => {
        const wall = wallClock(z, t);
        const back = wallTimeToInstant(z, wall.day, wall.msOfDay);
        expect(back).toBeLessThanOrEqual(t);
        expect(wallClock(z, back)).toEqual(wall);
        expect(t - back === 0 || t - back === HOUR || t - back === HOUR / 2).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: the result is the first instant whose wall clock reached the target, so boundaries keep their order', () => {
    const wallMs = (z: string, at: number) => {
      const w = wallClock(z, at);
      return w.day * DAY + w.msOfDay;
    };
    fc.assert(
      fc.property(nearTransition, fc.integer({ min: 0, max: 360 }), fc.integer({ min: 0, max: 360 }), ([z, t], s1, s2) => {
        const { day } = wallClock(z, t);
        const targets = [Math.min(s1, s2), Math.max(s1, s2)].map((s) => Math.min(Math.max(wallClock(z, t).msOfDay - 3 * HOUR + s * 60_000, 0), DAY - 1));
        const [a, b] = targets.map((ms) => wallTimeToInstant(z, day, ms)) as [number, number];
        for (const [target, at] of [[targets[0]!, a], [targets[1]!, b]] as const) {
          expect(wallMs(z, at)).toBeGreaterThanOrEqual(day * DAY + target);
          expect(wallMs(z, at - 1)).toBeLessThan(day * DAY + target);
        }
        expect(b).toBeGreaterThanOrEqual(a);
      }),
      { numRuns: 1000 },
    );
  });
});
