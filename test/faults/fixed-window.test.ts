import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedWindowAt } from '../../server/faults/fixed-window.js';
import { wallClock } from '../../server/faults/time-of-day.js';
import { DAY, HOUR } from './helpers.js';

const MIN = 60_000;
const iso = (t: number) => new Date(t).toISOString();
const window = (at: number, lengthMs: number, timeZone = 'UTC', resetAt?: string) => {
  const w = fixedWindowAt(at, { lengthMs, timeZone, resetAt });
  return [iso(w.start), iso(w.end)];
};

describe('fixedWindowAt: examples', () => {
  it('1h windows reset on the hour', () => {
    expect(window(Date.UTC(2026, 10, 21, 12, 34), HOUR)).toEqual(['2026-11-21T12:00:00.000Z', '2026-11-21T13:00:00.000Z']);
  });

  it('1h windows follow the local hour in a half-hour zone (Asia/Kolkata, UTC+5:30)', () => {
    expect(window(Date.UTC(2026, 10, 21, 12, 10), HOUR, 'Asia/Kolkata')).toEqual(['2026-11-21T11:30:00.000Z', '2026-11-21T12:30:00.000Z']);
  });

  it('a boundary is the start of the next window, not part of the previous one', () => {
    expect(window(Date.UTC(2026, 10, 21, 13), HOUR)).toEqual(['2026-11-21T13:00:00.000Z', '2026-11-21T14:00:00.000Z']);
  });

  it("1d at 23:00 UTC: Odoo Online's daily limit", () => {
    expect(window(Date.UTC(2026, 10, 21, 16, 30), DAY, 'UTC', '23:00')).toEqual(['2026-11-20T23:00:00.000Z', '2026-11-21T23:00:00.000Z']);
    expect(window(Date.UTC(2026, 10, 21, 23, 0), DAY, 'UTC', '23:00')).toEqual(['2026-11-21T23:00:00.000Z', '2026-11-22T23:00:00.000Z']);
  });

  it('1d windows are 23 and 25 hours long on DST days (Europe/Berlin)', () => {
    const spring = fixedWindowAt(Date.UTC(2026, 2, 29, 12), { lengthMs: DAY, timeZone: 'Europe/Berlin' });
    expect([iso(spring.start), spring.end - spring.start]).toEqual(['2026-03-28T23:00:00.000Z', 23 * HOUR]);
    const autumn = fixedWindowAt(Date.UTC(2026, 9, 25, 12), { lengthMs: DAY, timeZone: 'Europe/Berlin' });
    expect([iso(autumn.start), autumn.end - autumn.start]).toEqual(['2026-10-24T22:00:00.000Z', 25 * HOUR]);
  });

  it('1h windows on the Berlin spring-forward day: 02:00 does not exist, the 01:00 window ends at the jump', () => {
    // 01:00 CET = 00:00Z; the clock jumps 02:00 CET → 03:00 CEST at 01:00Z.
    expect(window(Date.UTC(2026, 2, 29, 0, 30), HOUR, 'Europe/Berlin')).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z']);
    expect(window(Date.UTC(2026, 2, 29, 1, 30), HOUR, 'Europe/Berlin')).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']);
  });

  it('30-minute windows on the Berlin spring-forward day: the skipped 02:00 and 02:30 both fall on the jump', () => {
    expect(window(Date.UTC(2026, 2, 29, 0, 45), 30 * MIN, 'Europe/Berlin')).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z']);
    expect(window(Date.UTC(2026, 2, 29, 1, 10), 30 * MIN, 'Europe/Berlin')).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z']);
  });

  it('1h windows on the Berlin fall-back day: the hour that happens twice is one two-hour window', () => {
    // 02:00 CEST = 00:00Z, 02:00 CET = 01:00Z, 03:00 CET = 02:00Z.
    expect(window(Date.UTC(2026, 9, 24, 23, 30), HOUR, 'Europe/Berlin')).toEqual(['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z']);
    expect(window(Date.UTC(2026, 9, 25, 0, 30), HOUR, 'Europe/Berlin')).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z']);
    expect(window(Date.UTC(2026, 9, 25, 1, 30), HOUR, 'Europe/Berlin')).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z']);
  });

  it('6h windows stay at 06:00/12:00/18:00 local across the New York spring change', () => {
    // 2026-03-08: midnight EST = 05:00Z; from 02:00 EST the clock reads EDT (UTC−4).
    expect(window(Date.UTC(2026, 2, 8, 8), 6 * HOUR, 'America/New_York')).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-08T10:00:00.000Z']);
    expect(window(Date.UTC(2026, 2, 8, 12), 6 * HOUR, 'America/New_York')).toEqual(['2026-03-08T10:00:00.000Z', '2026-03-08T16:00:00.000Z']);
  });

  it('30-minute DST in Australia/Lord_Howe: the skipped 02:00–02:30 collapses onto the jump', () => {
    // 2026-10-04 02:00 +10:30 → 02:30 +11 at 2026-10-03T15:30Z.
    expect(window(Date.UTC(2026, 9, 3, 15, 40), HOUR, 'Australia/Lord_Howe')).toEqual(['2026-10-03T15:30:00.000Z', '2026-10-03T16:00:00.000Z']);
    expect(window(Date.UTC(2026, 9, 3, 15, 20), HOUR, 'Australia/Lord_Howe')).toEqual(['2026-10-03T14:30:00.000Z', '2026-10-03T15:30:00.000Z']);
  });

  it('a day starts at 01:00 where midnight is skipped (America/Havana)', () => {
    expect(window(Date.UTC(2026, 2, 8, 12), DAY, 'America/Havana')).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
  });

  it('7d windows at a reset time; lengths that do not divide a day; long odd lengths', () => {
    const week = fixedWindowAt(Date.UTC(2026, 10, 21), { lengthMs: 7 * DAY, timeZone: 'UTC', resetAt: '06:00' });
    expect(week.end - week.start).toBe(7 * DAY);
    expect(new Date(week.start).getUTCHours()).toBe(6);
    expect(window(Date.UTC(2026, 10, 21, 23, 30), 7 * HOUR)).toEqual(['2026-11-21T21:00:00.000Z', '2026-11-22T00:00:00.000Z']);
    const odd = fixedWindowAt(Date.UTC(2026, 10, 21), { lengthMs: 36 * HOUR, timeZone: 'UTC' });
    expect(odd.end - odd.start).toBe(36 * HOUR);
    expect(odd.start % (36 * HOUR)).toBe(0);
  });

  it('refuses a zero length', () => {
    expect(() => fixedWindowAt(0, { lengthMs: 0, timeZone: 'UTC' })).toThrow(RangeError);
  });
});

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Havana', 'America/Santiago'];
const SUB_DAY = [MIN, 5 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 6 * HOUR, 8 * HOUR, 12 * HOUR];
const DAYS = [DAY, 2 * DAY, 7 * DAY, 30 * DAY];
const resetAt = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
/** 2000–2040, with extra weight on the hours around DST changes. */
const instant = fc.oneof(
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
  fc.tuple(fc.integer({ min: 2000, max: 2039 }), fc.constantFrom(2, 3, 9, 10), fc.integer({ min: 0, max: 31 * 24 * 60 })).map(([y, m, minutes]) => Date.UTC(y, m, 1) + minutes * MIN),
);

describe('fixedWindowAt: properties', () => {
  it('(a) start ≤ t < nextReset, and the next window starts exactly at nextReset', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...SUB_DAY, ...DAYS), resetAt, fc.constantFrom(...ZONES), (t, lengthMs, reset, timeZone) => {
        const spec = { lengthMs, timeZone, resetAt: reset };
        const w = fixedWindowAt(t, spec);
        expect(w.start).toBeLessThanOrEqual(t);
        expect(w.end).toBeGreaterThan(t);
        expect(fixedWindowAt(w.end, spec).start).toBe(w.end);
        expect(fixedWindowAt(w.start, spec)).toEqual(w);
        expect(fixedWindowAt(w.end - 1, spec)).toEqual(w);
        // A window is never longer than its length plus one DST shift (at most an hour here).
        expect(w.end - w.start).toBeLessThanOrEqual(lengthMs + HOUR);
      }),
      { numRuns: 400 },
    );
  });

  it('(a) sub-day windows start at a whole multiple of the length on the local clock, unless a DST jump moved them', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...SUB_DAY), fc.constantFrom(...ZONES), (t, lengthMs, timeZone) => {
        const w = fixedWindowAt(t, { lengthMs, timeZone });
        const wall = wallClock(timeZone, w.start);
        const jumped = wallClock(timeZone, w.start - 1).msOfDay + 1 !== wall.msOfDay && wall.msOfDay !== 0;
        if (!jumped) expect(wall.msOfDay % lengthMs).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
