import type { Contribution } from './decision-builder.js';
import type { Fired } from './decision.js';
import type { LimitRuntime } from './limit-runtime.js';
import type { Limit } from './schema.js';

/**
 * Defence in depth. Validation (validate.ts) refuses every scenario the engine could not run,
 * but the engine is built lazily, on a session's first event, and decides inside smtp-server's
 * hooks: a throw there would take the connection, or the process, with it. So each rule, check
 * and limit runs contained: a failure becomes a `fired` entry that says what broke (in the
 * transcript and on the event feed), and evaluation goes on as if that part were not there.
 */
export function contained(fired: Omit<Fired, 'reason'>, run: () => Contribution | undefined): Contribution | undefined {
  try {
    return run();
  } catch (error) {
    return { fired: { ...fired, reason: `${fired.source} '${fired.name}' failed and was skipped: ${messageOf(error)}` }, delayMs: 0 };
  }
}

/** The value `build` makes, or `fallback`'s if it throws. */
export function attempt<T>(build: () => T, fallback: (error: unknown) => T): T {
  try {
    return build();
  } catch (error) {
    return fallback(error);
  }
}

/** A limit that could not be built: never counts, and says why each time it is checked. */
export function brokenLimit(limit: Limit, error: unknown): LimitRuntime {
  return {
    limit,
    check: () => {
      throw error;
    },
    counters: () => [],
    reset: () => {},
  };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
