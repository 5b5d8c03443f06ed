import type { CounterInfo } from '../../../server/protocol.js';
import { untilLabel } from './format.js';

/** What one row of the counters table says. */
export interface CounterView {
  used: string;
  /** A fraction for the meter, or null where there is no maximum (greylisting). */
  fill: number | null;
  next: string;
  nextTitle: string;
}

const DAY = 86_400_000;

/**
 * A counter as a person reads it, timed by the scenario clock (`now`), which is what the limits
 * count on. A greylisted triple has attempts, no maximum: until it passes, NextReset is when it
 * will (first seen + delay); once passed, when it is forgotten (postgrey's max-age, days). The
 * API does not say which, so a reset more than a day after the first attempt is read as
 * "passed" — greylisting delays are minutes, forget times weeks.
 */
export function counterView(c: CounterInfo, now: number): CounterView {
  const next = c.NextReset ? Date.parse(c.NextReset) : NaN;
  const first = c.WindowStart ? Date.parse(c.WindowStart) : NaN;
  const left = next - now;
  if (c.Kind === 'greylist') {
    const used = `${c.Count} ${c.Count === 1 ? 'attempt' : 'attempts'}`;
    if (Number.isNaN(next)) return { used, fill: null, next: '—', nextTitle: '' };
    const passed = !Number.isNaN(first) && next - first > DAY;
    if (passed) return { used, fill: null, next: `passed; forgotten ${untilLabel(left)}`, nextTitle: `remembered until ${new Date(next).toISOString()} (scenario clock)` };
    return { used, fill: null, next: left > 0 ? `passes ${untilLabel(left)}` : 'passes on the next retry', nextTitle: `a retry from ${new Date(next).toISOString()} on passes (scenario clock)` };
  }
  return {
    used: `${c.Count} / ${c.Max}`,
    fill: c.Max > 0 ? Math.min(1, c.Count / c.Max) : null,
    next: Number.isNaN(next) ? '—' : left > 0 ? untilLabel(left) : 'at the next event',
    nextTitle: Number.isNaN(next) ? '' : `${new Date(next).toISOString()} (scenario clock)`,
  };
}
