import type { FaultContext, SessionView } from './context.js';
import type { Explanation } from './decision.js';
import type { Limit, ReplySpec } from './schema.js';

/** One limit counter as the API shows it (epoch ms; null where the kind has no window). */
export interface CounterState {
  limit: string;
  kind: Limit['kind'];
  key: string;
  count: number;
  max: number;
  windowStart: number | null;
  nextReset: number | null;
}

/** A limit that refuses: its reply, why, and placeholder values only it knows ({seconds}). */
export interface LimitHit {
  reply: ReplySpec;
  reason: string;
  extra?: Record<string, string>;
  /** The limit kind's own explanation from its settings, used when the scenario gives none. */
  explanation?: Explanation;
}

/** A trace header for the stored message (postgrey's X-Greylist): a template and the placeholder values only the limit knows. */
export interface TraceHeader {
  template: string;
  extra: Record<string, string>;
}

/**
 * The runtime of one limit kind (Toxiproxy's shape: a typed config plus one behaviour per file).
 * `check` decides; the other hooks feed the state it decides on.
 */
export interface LimitRuntime {
  readonly limit: Limit;
  check(ctx: FaultContext, now: number): LimitHit | undefined;
  opened?(session: SessionView, now: number): void;
  /**
   * The whole decision let through the event `check` passed: hold room for its transaction in
   * the same synchronous step, so that no other session can take it before the store commits
   * (reservations.ts).
   */
  reserve?(ctx: FaultContext, now: number): void;
  /** data-end, when the message is about to be stored: a header to prepend to it. */
  traceHeader?(ctx: FaultContext): TraceHeader | undefined;
  /** The session's transaction ended without a stored message: give its room back. */
  release?(sessionId: string): void;
  /** A message was stored: its held room becomes a count. Returns a transcript note saying what was counted and under which key. */
  delivered?(ctx: FaultContext, now: number): string | undefined;
  counters(now: number): CounterState[];
  /** Forget counters and memory (open connections are not counters: they stay). */
  reset(): void;
}

export type LimitOf<K extends Limit['kind']> = Extract<Limit, { kind: K }>;
