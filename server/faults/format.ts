/** Small text helpers for human-readable `reason`s. */

export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

export function isoTime(epochMs: number | null): string {
  return epochMs === null ? 'never' : new Date(epochMs).toISOString();
}

/** Whole seconds left until `until`, rounded up so a refusal never says "0 seconds". */
export function secondsLeft(now: number, until: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
