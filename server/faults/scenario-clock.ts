import type { Clock } from '../ports/contracts.js';

/**
 * The clock every fault decision reads. It runs with the base clock plus an offset the API can
 * move (`POST /api/v1/clock {"advance":"24h"}`), so a test sees a daily quota reset or a
 * greylist delay expire without waiting for it.
 */
export class ScenarioClock implements Clock {
  #offset = 0;

  constructor(private readonly base: Clock) {}

  now(): number {
    return this.base.now() + this.#offset;
  }

  get offset(): number {
    return this.#offset;
  }

  advance(ms: number): void {
    this.#offset += finite(ms, 'advance');
  }

  /** Jump so that now() reads `epochMs`; the clock keeps running from there. */
  set(epochMs: number): void {
    this.#offset = finite(epochMs, 'set') - this.base.now();
  }

  reset(): void {
    this.#offset = 0;
  }
}

function finite(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`clock ${what}: not a finite number of milliseconds: ${value}`);
  return value;
}
