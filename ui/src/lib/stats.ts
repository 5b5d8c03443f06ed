import type { SessionSummary } from '../../../server/protocol.js';

export type ReplyClass = 'accepted' | 'deferred' | 'rejected';

export interface CodeCount {
  code: number;
  kind: ReplyClass;
  count: number;
}

export interface Tally {
  sessions: number;
  accepted: number;
  deferred: number;
  rejected: number;
  byCode: CodeCount[];
  byOutcome: Array<{ outcome: string; count: number }>;
}

type Closed = Pick<SessionSummary, 'Outcome' | 'OutcomeCode' | 'Messages' | 'Started' | 'Ended'>;

export function replyClass(code: number): ReplyClass {
  return code >= 500 ? 'rejected' : code >= 400 ? 'deferred' : 'accepted';
}

/**
 * Counts over closed sessions: messages accepted (each is a 250), and the sessions that ended
 * in a 4xx or 5xx by their code.
 */
export function tally(sessions: readonly Closed[]): Tally {
  const codes = new Map<number, number>();
  const outcomes = new Map<string, number>();
  let accepted = 0;
  let deferred = 0;
  let rejected = 0;
  let count = 0;
  for (const s of sessions) {
    if (s.Outcome === 'active') continue;
    count++;
    outcomes.set(s.Outcome, (outcomes.get(s.Outcome) ?? 0) + 1);
    if (s.Messages > 0) {
      accepted += s.Messages;
      codes.set(250, (codes.get(250) ?? 0) + s.Messages);
    }
    const code = s.OutcomeCode;
    if (code !== null && code >= 400) {
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code >= 500) rejected++;
      else deferred++;
    }
  }
  return {
    sessions: count,
    accepted,
    deferred,
    rejected,
    byCode: [...codes].map(([code, n]) => ({ code, kind: replyClass(code), count: n })).sort((a, b) => a.code - b.code),
    byOutcome: [...outcomes].map(([outcome, n]) => ({ outcome, count: n })).sort((a, b) => b.count - a.count),
  };
}

/** Messages accepted per minute over the last `minutes` minutes, oldest first. */
export function perMinute(sessions: readonly Closed[], now: number, minutes = 30): number[] {
  const buckets = new Array<number>(minutes).fill(0);
  const current = Math.floor(now / 60_000);
  for (const s of sessions) {
    if (!s.Messages) continue;
    const at = Date.parse(s.Ended ?? s.Started);
    if (Number.isNaN(at)) continue;
    const age = current - Math.floor(at / 60_000);
    if (age >= 0 && age < minutes) buckets[minutes - 1 - age]! += s.Messages;
  }
  return buckets;
}
