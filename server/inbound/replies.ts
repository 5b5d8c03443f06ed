import type { AutoReplyRequest, AutoReplyStyle, ReplyRequest } from '../ports/inbound.js';
import { badRequest } from '../errors/catalogue.js';
import type { Addr, Draft } from './compose.js';
import { parseAddresses } from './addresses.js';
import { type Original, threadOf } from './original.js';

/** The header that marks every simulated message, with its kind as the value. */
export const SIMULATED_HEADER = 'X-Mailsim-Simulated';

function sender(original: Original, given: string | undefined, field: string): Addr {
  if (given !== undefined) {
    const [parsed] = parseAddresses(given);
    if (!parsed) throw badRequest(`invalid body ${field}: expected an e-mail address, got ${JSON.stringify(given)}`);
    return parsed;
  }
  const first = original.to[0] ?? (original.envelopeTo[0] ? { name: '', address: original.envelopeTo[0] } : undefined);
  if (!first) throw badRequest(`invalid body ${field}: the original names no recipient to answer as; give From`);
  return first;
}

const prefixed = (prefix: string, subject: string) => (subject.toLowerCase().startsWith(prefix.toLowerCase()) ? subject : `${prefix}${subject}`);

function quoted(original: Original): string {
  const who = original.from ? `${original.from.name ? `${original.from.name} ` : ''}<${original.from.address}>` : 'the sender';
  const lines = original.snippet ? original.snippet.split('\n').map((line) => `> ${line}`) : [];
  return [`On ${original.created}, ${who} wrote:`, ...lines].join('\n');
}

/**
 * A person's reply. It goes where a mail client sends it: to the Reply-To addresses, else the
 * From (RFC 5322 §3.6.2), threaded with In-Reply-To and References (§3.6.4), "Re: " in front of
 * the subject (§3.6.5's convention), the original quoted below the text (its snippet).
 */
export function replyDraft(original: Original, request: ReplyRequest): Draft {
  const to = original.replyTo.length ? original.replyTo : original.from ? [original.from] : [];
  if (!to.length) throw badRequest(`message ${original.id} has neither Reply-To nor From: there is nobody to reply to`);
  const from = sender(original, request.From, 'From');
  const text = request.Text ?? (request.HTML === undefined ? `Thank you, this is a reply.\n\n${quoted(original)}\n` : undefined);
  return {
    from,
    to,
    subject: request.Subject ?? prefixed('Re: ', original.subject),
    text,
    html: request.HTML,
    ...threadOf(original),
    headers: [[SIMULATED_HEADER, 'reply']],
    envelope: { from: from.address, to: to.map((a) => a.address) },
  };
}

interface StyleSpec {
  subject: (subject: string, given: string | undefined) => string;
  text: (away: Addr) => string;
  headers: Array<[string, string]>;
}

/**
 * Out-of-office replies as each sends them. The subjects are the providers' own: Outlook and
 * Exchange write "Automatic reply: " before the subject (the wording of Outlook's Automatic
 * Replies); Gmail puts the vacation responder's subject ("responseSubject", Gmail API
 * VacationSettings: "text to prepend to the subject line") in front, "Out of Office" here when
 * none is given (invented default); RFC 3834 §3.1.5 suggests "Auto: ". Exchange marks its replies
 * with X-Auto-Response-Suppress: All ([MS-OXCMAIL] §2.1.3.2.20) so that no one answers them. The
 * body texts are invented: each user writes their own.
 */
const STYLES: Record<AutoReplyStyle, StyleSpec> = {
  rfc3834: {
    subject: (subject, given) => given ?? prefixed('Auto: ', subject),
    text: (away) => `This is an automatic reply from ${away.address}: your message was received and will be read on my return.\n`,
    headers: [],
  },
  outlook: {
    subject: (subject, given) => given ?? prefixed('Automatic reply: ', subject),
    text: () => 'I am out of the office with limited access to e-mail and will reply when I return.\n',
    headers: [['X-Auto-Response-Suppress', 'All']],
  },
  gmail: {
    subject: (subject, given) => `${given ?? 'Out of Office'}: ${subject}`,
    text: () => 'Thank you for your email. I am away and will respond when I am back.\n',
    headers: [],
  },
};

/**
 * An automatic reply (RFC 3834). It goes to the original's envelope sender, the Return-Path
 * (§4: a responder generating after delivery answers the Return-Path, which is where an
 * application's bounce address points), marked `Auto-Submitted: auto-replied` (§5), threaded
 * (§3.1.3, §3.1.4). A responder must not answer a message with a null reverse-path (§4) or one
 * that is itself automatic (§2: Auto-Submitted other than "no"): refused unless `Force`.
 */
export function autoReplyDraft(original: Original, request: AutoReplyRequest): Draft {
  if (!request.Force) {
    if (!original.envelopeFrom) throw badRequest(`message ${original.id} has the null reverse-path (<>): RFC 3834 §4 forbids an automatic reply; send "Force": true to answer anyway`);
    if (original.autoSubmitted && original.autoSubmitted !== 'no') {
      throw badRequest(`message ${original.id} is itself automatic (Auto-Submitted: ${original.autoSubmitted}): RFC 3834 §2 says not to answer it; send "Force": true to answer anyway`);
    }
  }
  const to = original.envelopeFrom ? [{ name: '', address: original.envelopeFrom }] : original.from ? [original.from] : [];
  if (!to.length) throw badRequest(`message ${original.id} has no envelope sender and no From: there is nobody to answer`);
  const style = STYLES[request.Style ?? 'rfc3834'];
  const from = sender(original, request.From, 'From');
  return {
    from,
    to,
    subject: style.subject(original.subject, request.Subject),
    text: request.Text ?? (request.HTML === undefined ? style.text(from) : undefined),
    html: request.HTML,
    ...threadOf(original),
    headers: [['Auto-Submitted', 'auto-replied'], ...style.headers, [SIMULATED_HEADER, 'auto-reply']],
    // RFC 3834 §3.3: automatic responses go out with the null reverse-path, so nothing answers them.
    envelope: { from: '', to: to.map((a) => a.address) },
  };
}
