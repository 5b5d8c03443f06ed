import { DAY_MS, HOUR_MS } from './duration.js';
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset of `timeZone` from UTC at instant `at`, in ms (positive east of Greenwich). */
export function timeZoneOffset(timeZone: string, at: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(at))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    parts.year as number,
    (parts.month as number) - 1,
    parts.day as number,
    parts.hour as number,
    parts.minute as number,
    parts.second as number,
  );
  return asUtc - (at - (at % 1000));
}


/**
 * The first instant the wall clock in `timeZone` reads `msOfDay` on civil day `day` (days since
 * 1970-01-01). A time that occurs twice (fall back) gives the first occurrence; a time a DST jump
 * skips gives the jump itself, the first instant the clock is past it, so boundaries stay in order.
 */
export function wallTimeToInstant(timeZone: string, day: number, msOfDay = 0): number {
  const local = day * DAY_MS + msOfDay;
  // The instant is within ±14 h of `local`; one sample either side of that catches both offsets of a transition.
  const offsets = new Set([-18, 0, 18].map((h) => timeZoneOffset(timeZone, local + h * HOUR_MS)));
  const candidates = [...offsets].map((offset) => local - offset);
  const valid = candidates.filter((at) => at + timeZoneOffset(timeZone, at) === local);
  if (valid.length > 0) return Math.min(...valid);
  return offsetChange(timeZone, Math.min(...candidates), Math.max(...candidates));
}

/** The first instant in (low, high] whose UTC offset is that of `high`: a DST transition. */
function offsetChange(timeZone: string, low: number, high: number): number {
  const offset = timeZoneOffset(timeZone, high);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (timeZoneOffset(timeZone, middle) === offset) high = middle;
    else low = middle;
  }
  return high;
}

/** The instant the wall clock in `timeZone` reads this local date and time (see wallTimeToInstant). */
export function zonedTimeToUtc(
  timeZone: string,
  local: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number },
): number {
  const day = Date.UTC(local.year, local.month - 1, local.day) / DAY_MS;
  return wallTimeToInstant(timeZone, day, (((local.hour ?? 0) * 60 + (local.minute ?? 0)) * 60 + (local.second ?? 0)) * 1000);
}
