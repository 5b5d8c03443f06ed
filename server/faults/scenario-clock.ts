import type { Clock } from '../ports/contracts.js';

/** ECMAScript's time range (§21.4.1.22, TimeClip): a Date outside ±8.64e15 ms is Invalid Date. */
export const MAX_EPOCH_MS = 8.64e15;

/**
 * The clock every fault decision reads. It runs with the base clock plus an offset the API can
 * move (`POST /api/v1/clock {"advance":"24h"}`), so a test sees a daily quota reset or a
 * greylist delay expire without waiting for it. It never leaves the range a Date can represent:
 * every reply date, counter reset and time-of-day window is computed through Date and Intl.
 */
export class ScenarioClock implements Clock {
  #offset = 0;

  constructor(private readonly base: Clock) {}

  /** Clamped too: a clock set to the very end of the range keeps running, but not past it. */
  now(): number {
    return Math.min(MAX_EPOCH_MS, Math.max(-MAX_EPOCH_MS, this.base.now() + this.#offset));
  }

  get offset(): number {
    return this.#offset;
  }

  /** Throws a RangeError, and leaves the clock as it was, if the result would not be a valid Date. */
  advance(ms: number): void {
    // One reading of the base clock: reading it twice (once for now(), once for the offset) lost
    // the millisecond that ticked in between, so advancing by 6m moved the offset by 359,999 ms.
    const base = this.base.now();
    const now = Math.min(MAX_EPOCH_MS, Math.max(-MAX_EPOCH_MS, base + this.#offset));
    this.#offset = this.#offsetFor(now + ms, `advancing by ${ms} ms`, base);
  }

  /** Jump so that now() reads `epochMs`; the clock keeps running from there. Throws like advance. */
  set(epochMs: number): void {
    this.#offset = this.#offsetFor(epochMs, `setting it to ${epochMs}`);
  }

  reset(): void {
    this.#offset = 0;
  }

  #offsetFor(target: number, what: string, base = this.base.now()): number {
    if (!Number.isFinite(target) || Math.abs(target) > MAX_EPOCH_MS) {
      throw new RangeError(`${what} would take the scenario clock past what a date can represent (±${MAX_EPOCH_MS} ms around 1970, years -271821 to 275760)`);
    }
    return Math.round(target) - base;
  }
}
