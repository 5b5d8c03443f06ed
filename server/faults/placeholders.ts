import type { FaultContext, SessionView } from './context.js';
import { normaliseAddress } from './ip-address.js';
import { fromAddresses } from './when.js';

export type PlaceholderSource = FaultContext | { session: SessionView };

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** RFC 5322 §3.3 date-time in UTC with a numeric zone (toUTCString's "GMT" is the obsolete form). */
export function rfc5322Date(epochMs: number): string {
  const d = new Date(epochMs);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${time} +0000`;
}

/** The recipient a reply talks about: the RCPT being decided, else the transaction's first. */
function recipientOf(source: PlaceholderSource): string {
  if (!('phase' in source)) return '';
  return source.recipient ?? source.recipients[0] ?? '';
}

/**
 * Values for the reply placeholders (see replySchema). {queueId} and {seconds} only exist when
 * the caller knows them (`extra`); a placeholder without a value stays as written.
 */
export function placeholderValues(
  source: PlaceholderSource,
  env: { hostname: string; now: number },
  extra: Record<string, string> = {},
): Record<string, string> {
  const recipient = recipientOf(source);
  const at = recipient.lastIndexOf('@');
  const from = 'phase' in source ? (fromAddresses(source)[0] ?? source.sender ?? '') : '';
  return {
    id: source.session.id,
    clientIp: normaliseAddress(source.session.clientAddress),
    hostname: env.hostname,
    sender: 'phase' in source ? (source.sender ?? '') : '',
    recipient,
    recipientDomain: at < 0 ? '' : recipient.slice(at + 1),
    from,
    // Gmail's and Outlook's sender-requirement refusals name the From domain (RFC 7489 §3.1: DMARC's identity).
    fromDomain: from.slice(from.lastIndexOf('@') + 1),
    user: source.session.user,
    epoch: String(Math.floor(env.now / 1000)),
    date: rfc5322Date(env.now),
    ...extra,
  };
}

export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? (values[name] as string) : whole));
}
