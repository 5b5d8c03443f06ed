import type { DsnRecipient, DsnRequest } from './dsn-request.js';
import { rfc5322Date } from './rfc5322.js';

export type Field = [name: string, value: string];

/** Status comments some reporters add after the code, as SES does ("5.0.0 (permanent failure)"). */
const CLASS_COMMENT: Record<string, string> = { '2': 'success', '4': 'persistent transient failure', '5': 'permanent failure' };

export interface StatusOptions {
  reportingMta: string;
  /** Per-message fields a provider adds after the standard ones (X-Original-Message-ID …). */
  perMessage?: Field[];
  /** Per-recipient fields a provider adds (X-Display-Name …). */
  perRecipient?: (recipient: DsnRecipient) => Field[];
  statusComment?: boolean;
}

/**
 * The message/delivery-status body (RFC 3464 §2.1): per-message fields, then one block per
 * recipient, blocks separated by blank lines. Field order follows §2.2 and §2.3.
 */
export function deliveryStatus(request: DsnRequest, options: StatusOptions): string {
  const perMessage: Field[] = [['Reporting-MTA', `dns; ${options.reportingMta}`]];
  if (request.envid !== undefined) perMessage.push(['Original-Envelope-Id', request.envid]);
  perMessage.push(['Arrival-Date', rfc5322Date(request.original.arrivedAt)], ...(options.perMessage ?? []));
  const blocks = request.recipients.map((recipient) => recipientFields(recipient, options));
  return [perMessage, ...blocks].map((fields) => fields.map(([name, value]) => `${fold(`${name}: ${value}`)}\r\n`).join('')).join('\r\n');
}

/** RFC 5322 §2.2.3 folding at spaces, so a long SMTP reply never makes a line over 78 octets where it can be avoided. */
function fold(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (rest.length > 78) {
    const at = rest.lastIndexOf(' ', 78);
    if (at <= 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  out.push(rest);
  return out.join('\r\n');
}

function recipientFields(recipient: DsnRecipient, options: StatusOptions): Field[] {
  const fields: Field[] = [];
  if (recipient.orcpt) fields.push(['Original-Recipient', recipient.orcpt]);
  fields.push(['Final-Recipient', `rfc822; ${recipient.address}`], ['Action', recipient.action]);
  const comment = options.statusComment ? CLASS_COMMENT[recipient.status[0] ?? ''] : undefined;
  fields.push(['Status', comment ? `${recipient.status} (${comment})` : recipient.status]);
  if (recipient.remoteMta) fields.push(['Remote-MTA', `dns; ${recipient.remoteMta}`]);
  // One line: a multi-line SMTP reply is joined, as Postfix and Gmail write it.
  if (recipient.diagnostic) fields.push(['Diagnostic-Code', `smtp; ${oneLine(recipient.diagnostic)}`]);
  if (recipient.lastAttemptAt !== undefined) fields.push(['Last-Attempt-Date', rfc5322Date(recipient.lastAttemptAt)]);
  if (recipient.action === 'delayed' && recipient.willRetryUntil !== undefined) fields.push(['Will-Retry-Until', rfc5322Date(recipient.willRetryUntil)]);
  fields.push(...(options.perRecipient?.(recipient) ?? []));
  return fields;
}

export function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\s+/g, ' ').trim();
}
