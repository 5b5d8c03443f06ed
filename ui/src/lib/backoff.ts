export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/**
 * Exponential backoff with jitter: attempt 0 waits about base, each failure doubles it up to
 * max, and a random half-to-full share keeps many tabs from reconnecting in lockstep.
 */
export function backoffDelay(attempt: number, random: () => number, { baseMs, maxMs }: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling * (0.5 + random() / 2));
}
