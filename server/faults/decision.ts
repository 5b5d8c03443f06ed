import type { BouncePlan } from './actions/bounce.js';
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
  | {
      kind: 'continue';
      tarpit?: { bytesPerSecond: number };
      /** Do the normal thing, then never send its reply: say nothing more, or drop the connection. */
      withhold?: 'stall' | 'disconnect';
      /** Accept, and report a failure or delay later (a DSN to the envelope sender): the bounce action. */
      bounce?: BouncePlan;
    }
  | { kind: 'reply'; reply: Reply; tarpit?: { bytesPerSecond: number } }
  | { kind: 'stall' }
  | { kind: 'disconnect'; partialReply?: string; afterBytes?: number; reset?: boolean }
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
  /**
   * data-end: header fields ("X-Greylist: delayed 300 seconds by postgrey"), one line each
   * without CRLF, that the SMTP adapter adds at the top of the message it stores, as a
   * receiving server adds its trace fields (RFC 5321 §4.4). Ignored in other phases.
   */
  prependHeaders?: string[];
}

export function toReply(spec: ReplySpec, render: (text: string) => string): Reply {
  const text = Array.isArray(spec.text) ? spec.text : [spec.text];
  return { code: spec.code, enhanced: spec.enhanced, lines: text.map(render) };
}
