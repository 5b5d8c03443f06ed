import type { WaitOutcome, WaitRegistry, WaitSpec } from '../../server/http/waiting.js';

export interface OpenedWait {
  /** Settles when the wait ends: answered, timed out, client gone or shutdown. */
  ended: Promise<unknown>;
}

/**
 * Resolves the moment the server registers its next long wait (GET /api/v1/wait or
 * /api/v1/sessions/wait), instead of polling `waits.size`. Call it before sending the request.
 */
export function nextWait(registry: WaitRegistry, timeoutMs = 10_000): Promise<OpenedWait> {
  return new Promise((resolve, reject) => {
    const original = registry.wait;
    const restore = () => {
      clearTimeout(timer);
      Reflect.deleteProperty(registry, 'wait');
    };
    const timer = setTimeout(() => {
      restore();
      reject(new Error(`no wait was opened within ${timeoutMs} ms`));
    }, timeoutMs);
    // An own property shadows the class method for this one call.
    registry.wait = <R>(spec: WaitSpec<R>) => {
      restore();
      const ended = original.call<WaitRegistry, [WaitSpec<R>], Promise<WaitOutcome<R>>>(registry, spec);
      resolve({ ended: ended.catch(() => undefined) });
      return ended;
    };
  });
}
