import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Runs `work` and says how long this process's event loop was blocked at worst meanwhile: for an
 * in-process sim, proof that a hostile input did not freeze the server, which a test's timeout
 * alone does not give (a 13 s freeze passes a 20 s timeout).
 */
export async function withLoopWatch<T>(work: () => Promise<T>): Promise<{ result: T; worstBlockMs: number }> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  try {
    const result = await work();
    return { result, worstBlockMs: lag.max / 1e6 };
  } finally {
    lag.disable();
  }
}
