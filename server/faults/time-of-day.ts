import { DAY_MS } from '../util/duration.js';
import { timeZoneOffset, wallTimeToInstant } from '../util/time-zone.js';

export { wallTimeToInstant };

export { DAY_MS };

/** "HH:MM" → minutes after midnight. */
export function clockMinutes(text: string): number {
  const [hours, minutes] = text.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** The wall clock in `timeZone` at instant `at`: civil day number (days since 1970-01-01) and ms into that day. */
export function wallClock(timeZone: string, at: number): { day: number; msOfDay: number } {
  const local = at + timeZoneOffset(timeZone, at);
  const day = Math.floor(local / DAY_MS);
  return { day, msOfDay: local - day * DAY_MS };
}

/** The first instant of civil day `day` (01:00 where midnight is skipped, as in America/Havana). */
export function startOfDay(timeZone: string, day: number): number {
  return wallTimeToInstant(timeZone, day, 0);
}

/** Is the wall clock in [from, to)? A window whose end is before its start wraps past midnight. */
export function inDailyWindow(at: number, window: { from: string; to: string; timeZone: string }): boolean {
  const minute = wallClock(window.timeZone, at).msOfDay / 60_000;
  const from = clockMinutes(window.from);
  const to = clockMinutes(window.to);
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}
