import type { FaultExplanation, SessionSummary, SessionTransaction } from '../../../server/protocol.js';

/** What a session row says about its mail: MAIL FROM → recipients, the subject, and why it failed. */
export interface SessionFacts {
  /** "shop@example.com → ann@example.org, bob@example.org +3", or '' when no MAIL FROM came. */
  route: string;
  subject: string;
  /** More stored subjects than the one shown (a pooled connection). */
  moreSubjects: number;
  /** The explanation of the fault that fired, from the transaction it decided. */
  why: FaultExplanation | null;
}

const sender = (t: SessionTransaction) => (t.From === '' ? '<>' : (t.From ?? ''));

function routeOf(tx: readonly SessionTransaction[]): string {
  const first = tx.find((t) => t.From !== null);
  if (!first) return '';
  const senders = new Set(tx.filter((t) => t.From !== null).map(sender));
  const recipients = [...new Set(tx.flatMap((t) => [...t.Accepted, ...t.Refused.map((r) => r.Address)]))];
  const shown = recipients.slice(0, 2).join(', ');
  const more = recipients.length > 2 ? ` +${recipients.length - 2}` : '';
  const from = senders.size > 1 ? `${sender(first)} +${senders.size - 1}` : sender(first);
  return `${from} → ${shown || '(no recipient)'}${more}`;
}

export function sessionFacts(session: SessionSummary): SessionFacts {
  const tx = session.Transactions ?? [];
  const subjects = tx.map((t) => t.Subject).filter((s): s is string => typeof s === 'string');
  // The transaction that decided a failure carries its fault's explanation; the latest one wins.
  const why = [...tx].reverse().find((t) => t.Explanation)?.Explanation ?? null;
  return { route: routeOf(tx), subject: subjects[0] ?? '', moreSubjects: Math.max(0, subjects.length - 1), why: session.Outcome === 'delivered' ? null : why };
}
