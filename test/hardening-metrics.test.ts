import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLoopMonitor } from '../server/metrics/event-loop.js';
import { render } from '../server/metrics/prometheus.js';
import { startSim, type TestSim } from './helpers/sim.js';

// Issue 9, the proof: the event loop's worst block is on /metrics.
const series = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

describe('event-loop delay on /metrics', () => {
  let sim: TestSim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('is a summary with quantiles, the worst block as quantile 1, _sum and _count', async () => {
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    expect(text).toContain('# TYPE mailsim_event_loop_delay_seconds summary\n');
    for (const q of ['0.5', '0.9', '0.99', '1']) expect(series(text, `mailsim_event_loop_delay_seconds{quantile="${q}"}`)).toBeGreaterThanOrEqual(0);
    expect(series(text, 'mailsim_event_loop_delay_seconds_count')).toBeGreaterThanOrEqual(0);
    expect(series(text, 'mailsim_event_loop_delay_seconds_sum')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# TYPE mailsim_event_loop_delay_recent_max_seconds gauge\n');
  });

  it('sees a block of the event loop', async () => {
    const monitor = new EventLoopMonitor();
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const until = performance.now() + 150;
      while (performance.now() < until) {
        // Blocks the loop on purpose, as a quadratic parse would.
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      const text = render(monitor.families());
      expect(series(text, 'mailsim_event_loop_delay_seconds{quantile="1"}')).toBeGreaterThanOrEqual(0.12);
      expect(series(text, 'mailsim_event_loop_delay_recent_max_seconds')).toBeGreaterThanOrEqual(0.12);
    } finally {
      monitor.close();
    }
  });
});
