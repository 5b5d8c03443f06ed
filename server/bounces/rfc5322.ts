import { headerMap } from '../util/headers.js';

/** RFC 5322 §3.3 date-time in UTC, e.g. "Wed, 09 May 2012 03:34:48 +0000". */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** The header block of a message, up to (not including) the blank line. */
export function headerBlock(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.subarray(0, crlf >= 0 ? crlf : raw.length).indexOf('\n\n');
  const end = lf >= 0 ? lf + 1 : crlf >= 0 ? crlf + 2 : raw.length;
  return raw.subarray(0, end);
}

export interface OriginalHeaders {
  /** With its angle brackets, as in the original; undefined when it has none. */
  messageId: string | undefined;
  /** Undecoded (encoded words stay encoded, which a new header may carry as they are). */
  subject: string | undefined;
}

export function originalHeaders(raw: Buffer): OriginalHeaders {
  const map = headerMap(raw);
  const messageId = map['Message-Id']?.[0]?.match(/<[^<>\s]+>/)?.[0];
  return { messageId, subject: map['Subject']?.[0] };
}
