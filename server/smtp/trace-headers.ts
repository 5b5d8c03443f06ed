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
  const fields = headerFields(raw);
  const returnPath = fields['return-path'];
  if (returnPath === undefined || returnPath.replace(/^<|>$/g, '') !== facts.envelopeFrom) top.push(`Return-Path: <${facts.envelopeFrom}>`);
  const from = facts.helo || 'unknown';
  const forClause = facts.recipients.length === 1 ? ` for <${facts.recipients[0]}>` : '';
  top.push(`Received: from ${from} (unknown [${facts.clientAddress}]) by ${facts.hostname} (mailsim) with ${transmissionType(facts)}${forClause}; ${rfc5322Date(facts.now)}`);
  const hasMessageId = (fields['message-id'] ?? '').replace(/[<>\s]/g, '') !== '';
  if (hasMessageId) return { top };
  const messageId = `<${newId()}@${facts.hostname}>`;
  return { top, messageId };
}

/**
 * The first Return-Path and Message-ID fields of the header block, unfolded (RFC 5322 §2.2.3).
 * The whole block is read: a Message-ID after 100,000 other fields still counts (the store's
 * bounded header read would miss it, and a second one would be added). Only the lines that may
 * be one of the two are decoded: turning a 20 MiB message without a blank line into one string
 * and running two multi-line regexes over it took ~35 ms per message on the event loop, 13 of
 * them at once in issue 9, item 11.
 */
function headerFields(raw: Buffer): Partial<Record<FieldName, string>> {
  const found: Partial<Record<FieldName, string>> = {};
  const end = headerEnd(raw);
  for (let pos = 0; pos < end; ) {
    const next = lineEnd(raw, pos, end);
    const name = fieldAt(raw, pos);
    if (name && found[name] === undefined) {
      let last = next;
      while (last < end && (raw[last] === 0x20 || raw[last] === 0x09)) last = lineEnd(raw, last, end);
      const field = raw.toString('latin1', pos, last);
      found[name] = field.slice(field.indexOf(':') + 1).replace(/\r?\n/g, '').trim();
      pos = last;
    } else pos = next;
  }
  return found;
}

type FieldName = 'return-path' | 'message-id';

/** Where the header block ends: at the first empty line, or the message's end without one. */
function headerEnd(raw: Buffer): number {
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) return 0;
  const ends = [raw.indexOf('\r\n\r\n'), raw.indexOf('\n\n')].filter((at) => at >= 0);
  return ends.length ? Math.min(...ends) : raw.length;
}

/** The start of the line after the one at `pos` (past its LF), or `end`. */
function lineEnd(raw: Buffer, pos: number, end: number): number {
  const lf = raw.indexOf(0x0a, pos);
  return lf < 0 || lf >= end ? end : lf + 1;
}

/** Which of the two fields the line at `pos` is (name, optional blanks, colon; any case). */
function fieldAt(raw: Buffer, pos: number): FieldName | undefined {
  const first = raw[pos]! | 0x20;
  const name: FieldName | undefined = first === 0x72 ? 'return-path' : first === 0x6d ? 'message-id' : undefined;
  if (!name || raw.toString('latin1', pos, pos + name.length).toLowerCase() !== name) return undefined;
  let at = pos + name.length;
  while (raw[at] === 0x20 || raw[at] === 0x09) at++;
  return raw[at] === 0x3a ? name : undefined;
}
