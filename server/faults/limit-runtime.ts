import type { FaultContext, SessionView } from './context.js';
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
}

/**
 * The runtime of one limit kind (Toxiproxy's shape: a typed config plus one behaviour per file).
 * `check` decides; the other hooks feed the state it decides on.
 */
export interface LimitRuntime {
  readonly limit: Limit;
  check(ctx: FaultContext, now: number): LimitHit | undefined;
  opened?(session: SessionView, now: number): void;
  delivered?(ctx: FaultContext, now: number): void;
  counters(now: number): CounterState[];
  /** Forget counters and memory (open connections are not counters: they stay). */
  reset(): void;
}

export type LimitOf<K extends Limit['kind']> = Extract<Limit, { kind: K }>;
