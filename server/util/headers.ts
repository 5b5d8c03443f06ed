/**
 * How much of a message's header block is read into a header map. A message may be accepted
 * with 100,000 header lines; rules, the API and the store read its headers on the event loop,
 * so they see a bounded prefix. 256 KiB is well above what real mail carries (Postfix refuses a
 * single header over 100 KiB, header_size_limit; DKIM and ARC chains stay in the tens of KiB).
 */
export const HEADER_LIMITS = { bytes: 256 * 1024, fields: 10_000 };

export interface HeaderRead {
  headers: Record<string, string[]>;
  /** The block went on past the limits: what is there is a prefix of the message's headers. */
  truncated: boolean;
}

/**
 * Header map as Mailpit returns it: Go's canonical key spelling ("Message-Id"), values unfolded
 * but not decoded, repeated headers in order. Read from the raw bytes so nothing is normalised.
 * Bounded by HEADER_LIMITS (see readHeaders for whether it was cut short).
 */
export function headerMap(raw: Buffer): Record<string, string[]> {
  return readHeaders(raw).headers;
}

export function readHeaders(raw: Buffer, limits = HEADER_LIMITS): HeaderRead {
  const { end, truncated } = headerBlockEnd(raw, limits.bytes);
  const lines = raw.toString('utf8', 0, end).replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/);
  // A block cut at the byte limit ends in a partial field: leave it out rather than misread it.
  if (truncated) lines.pop();
  // No prototype: a header named __proto__ is a header, not the map's prototype.
  const headers: Record<string, string[]> = Object.create(null);
  let fields = 0;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (fields++ === limits.fields) return { headers, truncated: true };
    const key = canonicalKey(line.slice(0, colon).trim());
    (headers[key] ??= []).push(line.slice(colon + 1).trim());
  }
  return { headers, truncated };
}

/** Where the header block ends: the first blank line (CRLF or bare LF), the limit, or the end of the input. */
function headerBlockEnd(raw: Buffer, limit: number): { end: number; truncated: boolean } {
  // +3: a blank line that starts just before the limit still counts.
  const head = raw.subarray(0, limit + 3);
  // Look for a bare-LF blank line only before the CRLF one, or a CRLF message is searched to its end.
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.subarray(0, crlf >= 0 ? crlf : head.length).indexOf('\n\n');
  const blank = lf >= 0 ? lf : crlf;
  if (blank >= 0) return { end: blank, truncated: false };
  if (raw.length <= limit) return { end: raw.length, truncated: false };
  return { end: limit, truncated: true };
}

function canonicalKey(key: string): string {
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, char: string) => dash + char.toUpperCase());
}
