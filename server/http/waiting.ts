import type { Response } from 'express';

export type WaitOutcome<R> =
  | { kind: 'done'; result: R }
  | { kind: 'timeout'; result: R }
  /** The client went away, or mailsim is stopping. */
  | { kind: 'closed' | 'shutdown' };

export interface WaitSpec<R> {
  /**
   * Subscribes `recheck` to whatever can make the condition true and returns the unsubscribe.
   * Called before the first check, so nothing that happens after that check goes unseen.
   */
  subscribe(recheck: () => void): () => void;
  /** Synchronous: reads the store as it is now. */
  check(): { done: boolean; result: R };
  timeoutMs: number;
  /** The response the wait belongs to: its closing releases the wait. */
  res: Response;
}

/**
 * The long waits of /api/v1/wait and /api/v1/sessions/wait. Each holds one bus subscription,
 * one timer and one listener on its response, all released together when it ends for any
 * reason: satisfied, timed out, client gone, or shutdown (which answers every open wait at once
 * so that stopping mailsim never waits on them).
 */
export class WaitRegistry {
  readonly #active = new Set<() => void>();
  #closed = false;

  /** Waits currently open (for tests and /metrics). */
  get size(): number {
    return this.#active.size;
  }

  wait<R>(spec: WaitSpec<R>): Promise<WaitOutcome<R>> {
    if (this.#closed) return Promise.resolve({ kind: 'shutdown' });
    return new Promise((resolve, reject) => {
      let settled = false;
      let scheduled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: WaitOutcome<R> | Error) => {
        if (settled) return;
        settled = true;
        unsubscribe();
        clearTimeout(timer);
        spec.res.off('close', onClose);
        this.#active.delete(onShutdown);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const evaluate = (): boolean => {
        try {
          const { done, result } = spec.check();
          if (done) finish({ kind: 'done', result });
          return done;
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
          return true;
        }
      };
      // Events arrive in bursts; one check per turn of the event loop answers them all, and runs
      // after the promise callbacks of the write that announced itself have finished.
      const recheck = () => {
        if (settled || scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          if (!settled) evaluate();
        });
      };
      const onClose = () => finish({ kind: 'closed' });
      const onShutdown = () => finish({ kind: 'shutdown' });
      // Subscribe first, then check: a change between the check and the wait is still seen.
      const unsubscribe = spec.subscribe(recheck);
      if (evaluate()) return;
      timer = setTimeout(() => {
        if (settled) return;
        try {
          const { done, result } = spec.check();
          finish({ kind: done ? 'done' : 'timeout', result });
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      }, spec.timeoutMs);
      spec.res.on('close', onClose);
      this.#active.add(onShutdown);
      if (spec.res.req.socket.destroyed) onClose();
    });
  }

  /** Ends every open wait (they answer 503) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const end of [...this.#active]) end();
  }
}
