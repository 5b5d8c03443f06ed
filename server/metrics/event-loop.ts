import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Family } from './prometheus.js';

const NS_PER_S = 1e9;
/** How often the monitor samples; a block shorter than this may go unseen. */
const RESOLUTION_MS = 10;
const QUANTILES = [0.5, 0.9, 0.99, 1] as const;

/**
 * How long the event loop was blocked, from perf_hooks.monitorEventLoopDelay, since start-up.
 * Everything mailsim serves (SMTP replies, the API, the live feed) waits while the loop is
 * blocked, so its worst block is the number that says whether one client can freeze others.
 * The histogram records the time between its own timer's runs; the resolution is taken off,
 * so an idle loop reads about 0.
 */
export class EventLoopMonitor {
  readonly #histogram: IntervalHistogram;

  constructor() {
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#histogram.enable();
  }

  families(): Family[] {
    const h = this.#histogram;
    // Microseconds are as fine as a 10 ms sampler can tell.
    const lag = (ns: number) => Math.round(Math.max(0, ns / NS_PER_S - RESOLUTION_MS / 1000) * 1e6) / 1e6;
    const count = h.count;
    const quantile = (q: number) => (count === 0 ? 0 : lag(q === 1 ? h.max : h.percentile(q * 100)));
    return [
      {
        name: 'mailsim_event_loop_delay_seconds',
        help: 'How late the event loop ran a timer (perf_hooks.monitorEventLoopDelay, 10 ms resolution) since start-up; quantile 1 is the worst block.',
        type: 'summary',
        series: [
          ...QUANTILES.map((q) => ({ labels: { quantile: String(q) }, value: quantile(q) })),
          { suffix: '_sum' as const, value: count === 0 ? 0 : Math.round(lag(h.mean) * count * 1e6) / 1e6 },
          { suffix: '_count' as const, value: count },
        ],
      },
    ];
  }

  close(): void {
    this.#histogram.disable();
  }
}
