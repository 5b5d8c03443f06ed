import type { Phase, ReplySpec } from './schema.js';

/** A reply ready to send: code, enhanced status code (or none) and the text lines. */
export interface Reply {
  code: number;
  enhanced?: string;
  lines: string[];
}

/**
 * What the engine wants done. `continue` means "behave normally" (send the persona's usual reply
 * for the phase); everything else overrides it. `delayMs` applies before the verdict is carried out.
 */
export type Verdict =
  | { kind: 'continue'; tarpit?: { bytesPerSecond: number } }
  | { kind: 'reply'; reply: Reply; tarpit?: { bytesPerSecond: number } }
  | { kind: 'stall' }
  | { kind: 'disconnect'; partialReply?: string; afterBytes?: number }
  | { kind: 'blackhole' };

/** Why the engine decided what it did: one entry per rule, limit or persona check that fired. */
export interface Fired {
  source: 'rule' | 'limit' | 'persona' | 'one-shot' | 'chaos';
  name: string;
  phase: Phase;
  /** Human-readable: "rule daily-quota: 501st message today (limit 500, resets 23:00 UTC)". */
  reason: string;
  /** The rule's or limit's `explain`, when it has one: what happened and what to do about it. */
  explanation?: Explanation;
}

/** Why a fault fired, for people: a scenario's `explain`, or a built-in check's own. */
export interface Explanation {
  cause: string;
  advice: string;
  source?: string;
}

export interface Decision {
  delayMs: number;
  verdict: Verdict;
  fired: Fired[];
  /** data-end: header lines ("X-Greylist: …") to prepend to the message before it is stored. */
  headers?: string[];
}

export function toReply(spec: ReplySpec, render: (text: string) => string): Reply {
  const text = Array.isArray(spec.text) ? spec.text : [spec.text];
  return { code: spec.code, enhanced: spec.enhanced, lines: text.map(render) };
}
