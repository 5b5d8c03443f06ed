import type { SessionSummary } from '../../../server/protocol.js';

export type ReplyClass = 'accepted' | 'deferred' | 'rejected';

export interface CodeCount {
  code: number;
  kind: ReplyClass;
  count: number;
}

export interface Tally {
  sessions: number;
  /** Messages answered 250 and stored. */
  accepted: number;
  /** Sessions whose outcome is "deferred" (a 4xx ended them); the same word as in Sessions. */
  deferred: number;
  /** Sessions whose outcome is "rejected" (a 5xx refused MAIL, RCPT or DATA); auth and TLS failures are outcomes of their own. */
  rejected: number;
  byCode: CodeCount[];
  byOutcome: Array<{ outcome: string; count: number }>;
}

type Closed = Pick<SessionSummary, 'Outcome' | 'OutcomeCode' | 'Messages' | 'Started' | 'Ended'>;

/** How the replies-by-code table names each class (not "rejected": that is an outcome). */
export const REPLY_CLASS_LABEL: Record<ReplyClass, string> = { accepted: 'accepted', deferred: 'temporary (4xx)', rejected: 'permanent (5xx)' };

export function replyClass(code: number): ReplyClass {
  return code >= 500 ? 'rejected' : code >= 400 ? 'deferred' : 'accepted';
}

/**
 * Counts over closed sessions: messages accepted (each is a 250), sessions by outcome, and the
 * sessions that ended in a 4xx or 5xx by their code. "Rejected" and "deferred" mean the session
 * outcomes of those names everywhere in the UI, so the cards and the outcome list agree.
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
    if (code !== null && code >= 400) codes.set(code, (codes.get(code) ?? 0) + 1);
    if (s.Outcome === 'rejected') rejected++;
    else if (s.Outcome === 'deferred') deferred++;
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

/** The sum of a Prometheus counter's series (`mailsim_faults_fired_total{...} 3`), or null if absent. */
export function counterTotal(metrics: string, name: string): number | null {
  let total: number | null = null;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

/** Round numbers for a count axis: 0, the middle and a top at or above `max` (1, 2, 5 × 10ⁿ). */
export function axisTicks(max: number): number[] {
  if (max <= 1) return [0, 1];
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const top = [1, 2, 5, 10].map((m) => m * magnitude).find((t) => t >= max) ?? 10 * magnitude;
  return top % 2 === 0 ? [0, top / 2, top] : [0, top];
}
