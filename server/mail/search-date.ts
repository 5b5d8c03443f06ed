import { parseDuration } from '../util/duration.js';
import { zonedTimeToUtc } from '../util/time-zone.js';

/**
 * Dates as Mailpit's search reads them (it uses the dateparse library, which guesses the format):
 * `2025-01-31`, `2025/01/31` (the form Mailpit's docs use), `2025.01.31`, US `01/31/2025` and
 * `1/31/25` (dateparse reads month first), `20250131`, each with an optional `14:00[:00]`, a
 * month name (`Jan 31 2025`, `31 January 2025`), Unix seconds or milliseconds, full ISO 8601 with
 * a zone; plus mailsim's ages (`3h`, `2d`, counted back from now). Dates without a zone are in
 * `timeZone`. Anything else is undefined: Mailpit ignores a date it cannot read rather than
 * failing the search, and so do we.
 */
export function parseSearchDate(value: string, timeZone: string, now: number): number | undefined {
  const text = value.trim();
  if (/^\d.*[a-z]$/i.test(text)) {
    const age = parseDuration(text);
    if (age !== undefined) return now - age;
  }
  if (/^\d{10}$/.test(text)) return Number(text) * 1000;
  if (/^\d{13}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const instant = Date.parse(text);
    return Number.isNaN(instant) ? undefined : instant;
  }
  const parts = dateParts(text);
  if (!parts) return undefined;
  const { year, month, day, hour = 0, minute = 0, second = 0 } = parts;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  return zonedTimeToUtc(timeZone, { year, month, day, hour, minute, second });
}

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
}

const TIME = String.raw`(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?`;
const YEAR_FIRST = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${TIME}$`);
const MONTH_FIRST = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})${TIME}$`);
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const MONTH_NAME_FIRST = new RegExp(String.raw`^([a-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})${TIME}$`, 'i');
const DAY_FIRST_NAMED = new RegExp(String.raw`^(\d{1,2})(?:st|nd|rd|th)? ([a-z]{3,9})\.?,? (\d{4})${TIME}$`, 'i');
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function monthNumber(name: string): number {
  const lower = name.toLowerCase();
  const index = MONTHS.indexOf(lower.slice(0, 3));
  // "sept" is common; anything else must be a prefix of the full name.
  const full = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
  return index >= 0 && (full[index]!.startsWith(lower) || lower === 'sept') ? index + 1 : 0;
}

function withTime(parts: DateParts, time: Array<string | undefined>): DateParts {
  const [hour, minute, second] = time.map((t) => (t === undefined ? undefined : Number(t)));
  return { ...parts, hour, minute, second };
}

function dateParts(text: string): DateParts | undefined {
  let m = YEAR_FIRST.exec(text);
  if (m) return withTime({ year: Number(m[1]), month: Number(m[3]), day: Number(m[4]) }, m.slice(5));
  m = MONTH_FIRST.exec(text);
  if (m) {
    const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    return withTime({ year, month: Number(m[1]), day: Number(m[2]) }, m.slice(4));
  }
  m = COMPACT.exec(text);
  if (m) return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  m = MONTH_NAME_FIRST.exec(text);
  if (m) return withTime({ year: Number(m[3]), month: monthNumber(m[1]!), day: Number(m[2]) }, m.slice(4));
  m = DAY_FIRST_NAMED.exec(text);
  if (m) return withTime({ year: Number(m[3]), month: monthNumber(m[2]!), day: Number(m[1]) }, m.slice(4));
  return undefined;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
