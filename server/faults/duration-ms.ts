import { parseDuration } from '../util/duration.js';
import type { DurationInput } from './schema.js';

/** A schema duration (milliseconds or "1h30m") in milliseconds. */
export function durationMs(value: DurationInput): number {
  if (typeof value === 'number') return value;
  const ms = parseDuration(value);
  if (ms === undefined) throw new RangeError(`not a duration: ${value}`);
  return ms;
}
