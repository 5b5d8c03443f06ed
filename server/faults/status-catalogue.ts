import type { Explanation, Reply } from './decision.js';

/**
 * What a reply means when nothing in the scenario says why it was sent: keyed on the enhanced
 * status code (RFC 3463, with the codes RFC 4954 and the providers give a meaning of their own),
 * else on the basic code (RFC 5321 §4.2). Each entry says what the code itself says, and no more:
 * a 5.7.1 is "not authorised", never a guess at SPF or a missing mailbox; the class decides
 * whether to retry (RFC 3463 §3.1: 4 = try again later, 5 = do not retry unchanged).
 */
const ENHANCED: Record<string, { cause: string; advice?: string; source: string }> = {
  'X.1.1': { cause: 'the recipient mailbox does not exist (bad destination mailbox address)', advice: 'check the address for typos; stop sending to it if it is permanent', source: 'RFC 3463 §3.2' },
  'X.1.2': { cause: 'the recipient domain does not exist or does not accept mail', source: 'RFC 3463 §3.2' },
  'X.1.3': { cause: 'the recipient address is not valid syntax', source: 'RFC 3463 §3.2' },
  'X.1.7': { cause: "the sender's address is not valid", source: 'RFC 3463 §3.2' },
  'X.1.8': { cause: "the sender's domain is not valid or not allowed", source: 'RFC 3463 §3.2' },
  'X.2.0': { cause: "a problem with the recipient's mailbox", source: 'RFC 3463 §3.3' },
  // Class-specific: what a provider means by the code beyond RFC 3463.
  '4.2.0': { cause: "the recipient's mailbox cannot take the message for now (postgrey greylisting answers 450 4.2.0)", source: 'RFC 3463 §3.3; https://github.com/schweikert/postgrey' },
  '5.2.0': { cause: "a problem with the recipient's mailbox (Microsoft 365 also uses 5.2.0 for its outbound spam and sending quota refusals)", source: 'RFC 3463 §3.3' },
  'X.2.1': { cause: 'the recipient mailbox is disabled and not accepting messages', source: 'RFC 3463 §3.3' },
  'X.2.2': { cause: 'the recipient mailbox is full', source: 'RFC 3463 §3.3' },
  'X.2.3': { cause: 'the message is larger than the recipient mailbox accepts', source: 'RFC 3463 §3.3' },
  'X.3.0': { cause: 'a problem of the receiving mail system', source: 'RFC 3463 §3.4' },
  'X.3.1': { cause: 'the receiving mail system is full (out of disk or queue space)', source: 'RFC 3463 §3.4' },
  'X.3.2': { cause: 'the receiving system is not accepting messages now (Microsoft 365: too many concurrent connections)', source: 'RFC 3463 §3.4' },
  'X.3.4': { cause: 'the message is larger than the server accepts', advice: 'make the message smaller (attachments as links); sending it unchanged fails again', source: 'RFC 3463 §3.4' },
  'X.4.1': { cause: 'the receiving host did not answer', source: 'RFC 3463 §3.5' },
  'X.4.2': { cause: 'the connection was broken or timed out', source: 'RFC 3463 §3.5' },
  'X.4.5': { cause: 'the mail system is congested (Gmail uses 5.4.5 for its daily sending limit)', source: 'RFC 3463 §3.5; https://support.google.com/a/answer/3726730' },
  'X.4.7': { cause: 'the message was too old to deliver', source: 'RFC 3463 §3.5' },
  'X.5.0': { cause: 'an SMTP protocol error', source: 'RFC 3463 §3.6' },
  'X.5.1': { cause: 'the command is not recognised or not allowed', source: 'RFC 3463 §3.6' },
  'X.5.2': { cause: 'a syntax error in the command', source: 'RFC 3463 §3.6' },
  'X.5.3': { cause: 'too many recipients for one message', advice: 'split the recipients over several messages', source: 'RFC 3463 §3.6' },
  'X.6.0': { cause: 'the message content or media is not accepted', source: 'RFC 3463 §3.7' },
  'X.7.0': { cause: 'a security or policy refusal the server does not detail', source: 'RFC 3463 §3.8' },
  'X.7.1': { cause: 'the sender is not authorised to send this message here (a policy decision of the server)', source: 'RFC 3463 §3.8' },
  'X.7.3': { cause: 'a security conversion the server requires was not done (Microsoft 365: STARTTLS is required)', source: 'RFC 3463 §3.8' },
  'X.7.4': { cause: 'a security feature (an AUTH mechanism) the client asked for is not supported', source: 'RFC 3463 §3.8; RFC 4954 §6' },
  'X.7.8': { cause: 'the credentials were refused (authentication credentials invalid)', advice: 'check the user name and password; many providers want an app password or OAuth', source: 'RFC 4954 §6' },
  'X.7.9': { cause: "the authentication mechanism is too weak for this account (Gmail: an app password is required for an account with 2-step verification)", source: 'RFC 4954 §6' },
  'X.7.30': { cause: 'Microsoft 365 no longer accepts basic authentication for client submission', advice: 'move the application to OAuth 2.0 or another sending service', source: "Microsoft 365's own code" },
  'X.7.57': { cause: 'Microsoft 365: the client did not authenticate before sending', source: "Microsoft 365's own code" },
  'X.7.60': { cause: 'Microsoft 365: the authenticated user may not send as the From address (no SendAs permission)', source: "Microsoft 365's own code" },
};

/** RFC 5321 §4.2.2-4.2.3, for replies without an enhanced code. */
const BASIC: Record<number, string> = {
  421: 'the server is closing the connection (service not available now)',
  450: 'the mailbox is unavailable for now (busy, or the server greylists)',
  451: 'the server aborted the command because of a local error',
  452: 'the server lacks room for this now (too many recipients, or storage)',
  454: 'TLS or authentication is temporarily unavailable',
  500: 'the command was not recognised',
  501: 'a syntax error in the parameters',
  502: 'the command is not implemented',
  503: 'the commands came in the wrong order',
  504: 'the command parameter is not implemented',
  530: 'the server requires authentication (or STARTTLS) first',
  534: 'the authentication mechanism is too weak for this account',
  535: 'the credentials were refused',
  550: 'the mailbox is unavailable or the server refuses the request by policy',
  551: 'the user is not local here',
  552: 'storage or size allocation exceeded',
  553: 'the mailbox name is not allowed',
  554: 'the transaction failed',
};

function retryAdvice(code: number): string {
  if (code === 530 || code === 534 || code === 535) return 'fix the mailer settings (credentials, TLS) before sending again: the same attempt fails the same way';
  if (code >= 500) return 'do not retry unchanged: record the failure (a bounce) and fix what the reply names';
  if (code >= 400) return 'a temporary refusal: keep the message queued and retry later with backoff' + (code === 421 ? '; 421 also closes the connection, so reconnect' : '');
  return 'no action needed';
}

/** The catalogue's explanation of a reply; undefined for a success (2xx/3xx) without an enhanced code. */
export function catalogueExplanation(reply: Pick<Reply, 'code' | 'enhanced'>): Explanation | undefined {
  const detail = reply.enhanced ? (ENHANCED[reply.enhanced] ?? ENHANCED[`X.${reply.enhanced.split('.').slice(1).join('.')}`]) : undefined;
  const basic = BASIC[reply.code];
  if (!detail && !basic) return reply.code >= 400 ? { cause: `the server refused with ${reply.code}`, advice: retryAdvice(reply.code), source: 'RFC 5321 §4.2.1' } : undefined;
  const code = `${reply.code}${reply.enhanced ? ` ${reply.enhanced}` : ''}`;
  const cause = `${detail ? detail.cause : basic} (${code})`;
  const advice = detail?.advice ? `${detail.advice}; ${retryAdvice(reply.code)}` : retryAdvice(reply.code);
  return { cause: `${capitalise(cause)}.`, advice: `${capitalise(advice)}.`, source: detail?.source ?? (reply.code >= 530 && reply.code <= 538 ? 'RFC 4954 §6' : 'RFC 5321 §4.2') };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
