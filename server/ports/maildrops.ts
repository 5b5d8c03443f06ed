/**
 * What the POP3 server needs from the store: one maildrop per address. Types only, plus the
 * one size rule both sides must agree on.
 */

/** One message of a maildrop as the POP3 server numbers it at login. */
export interface MaildropEntry {
  /** The store's ID, handed back to `read` and `remove`. */
  id: string;
  /**
   * Stable across sessions (RFC 1939 §7 UIDL): 1 to 70 characters in 0x21..0x7E. The store's
   * message ID qualifies; never a sequence number that changes when other messages go.
   */
  uid: string;
  /** Octets as POP3 sends the message: every line ended with CRLF, see `crlfOctets`. */
  size: number;
}

export interface Maildrops {
  /** The messages addressed to `mailbox` (lower-case address), oldest first. */
  list(mailbox: string): Promise<MaildropEntry[]>;
  /** The message exactly as stored, or null when it is gone. */
  read(mailbox: string, id: string): Promise<Buffer | null>;
  /** Deletes the messages from that mailbox (RFC 1939 UPDATE state); unknown IDs are ignored. */
  remove(mailbox: string, ids: readonly string[]): Promise<void>;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * The size RFC 1939 §5 (LIST) wants, "the exact size of the message in octets", counted the
 * way the message goes over the wire: each line ends in CRLF (a bare LF becomes CRLF, a
 * missing final line end is added). Byte-stuffing is not counted, as in common servers.
 */
export function crlfOctets(raw: Buffer): number {
  let size = 0;
  let start = 0;
  for (let lf = raw.indexOf(LF); lf !== -1; lf = raw.indexOf(LF, start)) {
    const end = lf > start && raw[lf - 1] === CR ? lf - 1 : lf;
    size += end - start + 2;
    start = lf + 1;
  }
  if (start < raw.length) size += raw.length - start + 2;
  return size;
}

/**
 * The maildrop an address belongs to: the address lower-cased (local parts are case-sensitive
 * by RFC 5321 §2.4, but no mail system a test talks to treats them so), what the POP3 session
 * does with the user name and what the store does with each envelope recipient.
 */
export function maildropName(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The maildrop sub-addressed mail also lands in (RFC 5233): `bounce+123-res.partner-7@x` is in
 * `bounce@x` too, as Postfix (recipient_delimiter = +), Gmail and Microsoft 365 deliver
 * "user+detail" to user's mailbox. Odoo 16 and earlier send with such VERP bounce addresses and
 * fetch the one bounce mailbox. Null for an address without a detail part.
 */
export function baseMaildrop(address: string): string | null {
  const name = maildropName(address);
  const at = name.lastIndexOf('@');
  const plus = name.indexOf('+');
  if (at <= 0 || plus <= 0 || plus > at) return null;
  return name.slice(0, plus) + name.slice(at);
}
