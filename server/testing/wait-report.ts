/**
 * One-line descriptions of messages and sessions, for what `mailsim wait` and the test helper
 * print when a wait times out: "what arrived instead" is the first thing a failing test needs.
 */
import type { Address, MessageSummary, SessionSummary } from '../protocol.js';

const address = (a: Address | null) => (a ? a.Address || a.Name : '?');

export function describeMessage(m: MessageSummary): string {
  const to = m.To.length ? m.To.map(address).join(', ') : m.Envelope.To.join(', ');
  const tags = m.Tags.length ? `  [${m.Tags.join(', ')}]` : '';
  return `${m.Created}  ${address(m.From)} -> ${to || '?'}  ${JSON.stringify(m.Subject)}${tags}  (${m.ID})`;
}

export function describeSession(s: SessionSummary): string {
  const code = s.OutcomeDetail ? `  ${s.OutcomeDetail}` : '';
  const user = s.User ? `  user ${s.User}` : '';
  return `${s.Started}  ${s.Client.Address}:${s.Client.Port}  ${s.Outcome}${code}${user}  (${s.ID})`;
}

/** A titled, indented list; "(none)" when empty. */
export function section<T>(title: string, items: readonly T[], describe: (item: T) => string): string[] {
  return [`${title}:`, ...(items.length ? items.map((item) => `  ${describe(item)}`) : ['  (none)'])];
}
