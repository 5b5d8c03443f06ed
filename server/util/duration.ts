export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: HOUR_MS,
  d: DAY_MS,
  w: 7 * DAY_MS,
};

const UNITS = 'ms|s|m|h|d|w';
const PART = new RegExp(`(\\d+(?:\\.\\d+)?)(${UNITS})`, 'gy');
/** What parseDuration reads, for schemas that check the text before parsing it: "90s", "1h30m", "250". */
export const DURATION_TEXT = new RegExp(`^(\\d+(\\.\\d+)?(${UNITS}))+$|^\\d+$`);

/**
 * Parses "90s", "1h30m", "7d" or a bare number of milliseconds.
 * Returns undefined for anything else so callers can report the field that was wrong, and for
 * durations that are not a safe integer of milliseconds ("100000000000000000000w"): callers add
 * them to epoch times, where such a value would overflow into nonsense.
 */
export function parseDuration(text: string): number | undefined {
  const input = text.trim().toLowerCase();
  if (/^\d+$/.test(input)) return safe(Number(input));
  if (input === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(input); match; match = PART.exec(input)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed = PART.lastIndex;
  }
  return consumed === input.length ? safe(Math.round(total)) : undefined;
}

function safe(ms: number): number | undefined {
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
