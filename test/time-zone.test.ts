import { describe, expect, it } from 'vitest';
import { timeZoneOffset, zonedTimeToUtc } from '../server/util/time-zone.js';

describe('time zones', () => {
  it('converts a local time to UTC, including right after a spring-forward west of Greenwich', () => {
    expect(zonedTimeToUtc('America/New_York', { year: 2026, month: 3, day: 8, hour: 6 })).toBe(Date.UTC(2026, 2, 8, 10));
    expect(zonedTimeToUtc('Pacific/Auckland', { year: 2025, month: 1, day: 31, hour: 14 })).toBe(Date.UTC(2025, 0, 31, 1));
    expect(zonedTimeToUtc('UTC', { year: 2025, month: 6, day: 1 })).toBe(Date.UTC(2025, 5, 1));
  });

  it('maps a skipped local time to the jump and a repeated one to its first occurrence', () => {
    // Berlin 2026-03-29 02:30 does not exist (clocks go 02:00 -> 03:00 CEST at 01:00Z).
    expect(zonedTimeToUtc('Europe/Berlin', { year: 2026, month: 3, day: 29, hour: 2, minute: 30 })).toBe(Date.UTC(2026, 2, 29, 1));
    // Berlin 2026-10-25 02:30 happens twice; the first is 00:30Z (still CEST).
    expect(zonedTimeToUtc('Europe/Berlin', { year: 2026, month: 10, day: 25, hour: 2, minute: 30 })).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it('reports offsets east positive', () => {
    expect(timeZoneOffset('Asia/Kolkata', Date.UTC(2026, 0, 1))).toBe(5.5 * 3_600_000);
    expect(timeZoneOffset('America/New_York', Date.UTC(2026, 0, 1))).toBe(-5 * 3_600_000);
  });
});
