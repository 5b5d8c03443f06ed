import { DAY_MS, clockMinutes, startOfDay, wallClock, wallTimeToInstant } from './time-of-day.js';

export interface FixedWindowSpec {
  lengthMs: number;
  /** "HH:MM": where day-long windows start (Odoo Online's daily limit resets at 23:00 UTC). */
  resetAt?: string;
  timeZone: string;
}

export interface WindowBounds {
  start: number;
  /** Exclusive; also the start of the next window. */
  end: number;
}

/**
 * The aligned window that contains `at`. Provider quotas reset by the calendar, not N hours
 * after the first message, so boundaries are wall-clock times in the limit's time zone:
 *   - shorter than a day: local midnight + k·length (1h → on the hour, also in Asia/Kolkata and
 *     across a DST change); the last window of a day ends at the next local midnight;
 *   - whole days: `resetAt` (default 00:00) local time every N days, counted from 1970-01-01;
 *   - anything else (e.g. 36h): multiples of the length since the Unix epoch.
 * A boundary the clock skips falls on the DST jump; one it reads twice counts from the first.
 */
export function fixedWindowAt(at: number, spec: FixedWindowSpec): WindowBounds {
  const { lengthMs, timeZone } = spec;
  if (!(lengthMs > 0)) throw new RangeError(`window length must be positive, got ${lengthMs}`);
  if (lengthMs < DAY_MS) return subDayWindow(at, lengthMs, timeZone);
  if (lengthMs % DAY_MS === 0) return multiDayWindow(at, lengthMs / DAY_MS, clockMinutes(spec.resetAt ?? '00:00') * 60_000, timeZone);
  const start = Math.floor(at / lengthMs) * lengthMs;
  return { start, end: start + lengthMs };
}

/** Boundaries are non-decreasing in k; the window is the pair around `at`, stepping past empty ones. */
function around(at: number, k: number, boundary: (k: number) => number): WindowBounds {
  let start = boundary(k);
  while (start > at) start = boundary(--k);
  let end = boundary(k + 1);
  while (end <= at) {
    k += 1;
    start = end;
    end = boundary(k + 1);
  }
  return { start, end };
}

function subDayWindow(at: number, lengthMs: number, timeZone: string): WindowBounds {
  const { day, msOfDay } = wallClock(timeZone, at);
  const perDay = Math.ceil(DAY_MS / lengthMs);
  const boundary = (k: number): number => {
    const d = day + Math.floor(k / perDay);
    const i = k - (d - day) * perDay;
    return i === 0 ? startOfDay(timeZone, d) : wallTimeToInstant(timeZone, d, i * lengthMs);
  };
  return around(at, Math.floor(msOfDay / lengthMs), boundary);
}

function multiDayWindow(at: number, days: number, resetMs: number, timeZone: string): WindowBounds {
  const { day } = wallClock(timeZone, at);
  const first = day - (((day % days) + days) % days);
  return around(at, first / days, (k) => wallTimeToInstant(timeZone, k * days, resetMs));
}
