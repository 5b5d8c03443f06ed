import { rfc5322Date } from '../faults/placeholders.js';
import { newId } from '../util/ids.js';

/** What the receiving MTA knows about the transaction when it adds its trace fields. */
export interface TraceFacts {
  /** The name the client gave in EHLO/HELO ("" if it never greeted). */
  helo: string;
  /** Which greeting: RFC 3848's "with" type depends on it. */
  greeting: 'EHLO' | 'HELO' | '';
  clientAddress: string;
  /** The server's name, as in the banner. */
  hostname: string;
  secure: boolean;
  authenticated: boolean;
  envelopeFrom: string;
  recipients: string[];
  now: number;
}

/**
 * RFC 3848 §2: SMTP for HELO, ESMTP for EHLO, with S when the session ran under TLS and A when
 * the client authenticated (ESMTPSA both).
 */
export function transmissionType({ greeting, secure, authenticated }: Pick<TraceFacts, 'greeting' | 'secure' | 'authenticated'>): string {
  if (greeting !== 'EHLO') return 'SMTP';
  return `ESMTP${secure ? 'S' : ''}${authenticated ? 'A' : ''}`;
}

/**
 * The fields Mailpit puts on every stored message (its smtpd `makeHeaders` and storage's
 * `SaveToDatabase`), in the order they go on top of the message as received:
 *
 * - `Return-Path: <envelope sender>` (RFC 5321 §4.4: added at final delivery), unless the
 *   message already carries that very one, as Mailpit checks;
 * - `Received: from HELO (unknown [IP]) by HOST (mailsim) with TYPE [for <rcpt>]; DATE`
 *   (RFC 5321 §4.4, Mailpit's form; reverse lookups are off, so the host is "unknown" as in
 *   Mailpit with --smtpd-disable-rdns). `for` only with a single recipient: RFC 5321 §7.2 warns
 *   that naming one of several discloses Bcc recipients;
 * - `Message-ID: <id@host>` when the sender sent none (Mailpit adds `<shortuuid@mailpit>`).
 *
 * Each is one line without a break, so the prepend path's header check passes them; the bytes
 * received stay the message's tail (the transaction's Size says how many).
 */
export function traceHeaders(raw: Buffer, facts: TraceFacts): { top: string[]; messageId?: string } {
  const top: string[] = [];
  const head = headerBlock(raw);
  const returnPath = firstField(head, 'return-path');
  if (returnPath === undefined || returnPath.replace(/^<|>$/g, '') !== facts.envelopeFrom) top.push(`Return-Path: <${facts.envelopeFrom}>`);
  const from = facts.helo || 'unknown';
  const forClause = facts.recipients.length === 1 ? ` for <${facts.recipients[0]}>` : '';
  top.push(`Received: from ${from} (unknown [${facts.clientAddress}]) by ${facts.hostname} (mailsim) with ${transmissionType(facts)}${forClause}; ${rfc5322Date(facts.now)}`);
  const hasMessageId = (firstField(head, 'message-id') ?? '').replace(/[<>\s]/g, '') !== '';
  if (hasMessageId) return { top };
  const messageId = `<${newId()}@${facts.hostname}>`;
  return { top, messageId };
}

/**
 * The header block as latin1 text, whole: a Message-ID after 100,000 other fields still counts
 * (the store's bounded header read would miss it, and a second one would be added). One
 * indexOf and one linear scan, no per-line work.
 */
function headerBlock(raw: Buffer): string {
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) return '';
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((at) => at >= 0);
  const end = ends.length ? Math.min(...ends) : raw.length;
  return raw.toString('latin1', 0, end);
}

/** The first field of that name, unfolded (RFC 5322 §2.2.3), or undefined. */
function firstField(head: string, name: 'return-path' | 'message-id'): string | undefined {
  const match = new RegExp(`^${name}[ \\t]*:([^\\r\\n]*(?:\\r?\\n[ \\t][^\\r\\n]*)*)`, 'im').exec(head);
  return match ? match[1]!.replace(/\r?\n/g, '').trim() : undefined;
}
