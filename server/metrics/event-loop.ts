import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Family } from './prometheus.js';

const NS_PER_S = 1e9;
/** How often the monitor samples; a block shorter than this may go unseen. */
const RESOLUTION_MS = 10;
const QUANTILES = [0.5, 0.9, 0.99, 1] as const;
/** The recent worst block covers at least this many seconds (and up to two more). */
export const RECENT_WINDOW_S = 10;

/**
 * How long the event loop was blocked, from perf_hooks.monitorEventLoopDelay. Everything
 * mailsim serves (SMTP replies, the API, the live feed) waits while the loop is blocked, so
 * its worst block is the number that says whether one client can freeze the others.
 *
 * The lifetime histogram is never reset. The recent worst block comes from two more
 * histograms reset in turn, one per second: the sample that spans a reset is lost to the
 * histogram just reset (Node drops it), so the other one, reset a second earlier, covers it.
 * Each second's worst of the two goes into a ring of RECENT_WINDOW_S seconds.
 */
export class EventLoopMonitor {
  readonly #lifetime: IntervalHistogram;
  readonly #halves: [IntervalHistogram, IntervalHistogram];
  readonly #ring: number[] = [];
  #turn = 0;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    const histogram = () => {
      const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
      h.enable();
      return h;
    };
    this.#lifetime = histogram();
    this.#halves = [histogram(), histogram()];
    this.#timer = setInterval(() => this.#roll(), 1_000).unref();
  }

  families(): Family[] {
    const h = this.#lifetime;
    const count = h.count;
    const quantile = (q: number) => (count === 0 ? 0 : lag(q === 1 ? h.max : h.percentile(q * 100)));
    return [
      {
        name: 'mailsim_event_loop_delay_seconds',
        help: 'How late the event loop ran a timer (perf_hooks.monitorEventLoopDelay, 10 ms resolution) since start-up; quantile 1 is the worst block.',
        type: 'summary',
        series: [
          ...QUANTILES.map((q) => ({ labels: { quantile: String(q) }, value: quantile(q) })),
          { suffix: '_sum' as const, value: count === 0 ? 0 : round(lag(h.mean) * count) },
          { suffix: '_count' as const, value: count },
        ],
      },
      {
        name: 'mailsim_event_loop_delay_recent_max_seconds',
        help: `The worst event-loop block in the last ${RECENT_WINDOW_S} to ${RECENT_WINDOW_S + 2} seconds.`,
        type: 'gauge',
        series: [{ value: Math.max(this.#current(), ...this.#ring) }],
      },
    ];
  }

  close(): void {
    clearInterval(this.#timer);
    for (const h of [this.#lifetime, ...this.#halves]) h.disable();
  }

  #current(): number {
    return Math.max(...this.#halves.map((h) => (h.count === 0 ? 0 : lag(h.max))));
  }

  #roll(): void {
    this.#ring.push(this.#current());
    if (this.#ring.length > RECENT_WINDOW_S) this.#ring.shift();
    this.#halves[this.#turn]!.reset();
    this.#turn = 1 - this.#turn;
  }
}

/** A sample in seconds, the resolution taken off: an idle loop reads about 0. */
function lag(ns: number): number {
  return round(Math.max(0, ns / NS_PER_S - RESOLUTION_MS / 1000));
}

/** Microseconds are as fine as a 10 ms sampler can tell. */
function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
