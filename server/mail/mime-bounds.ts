/**
 * Bounds on how much of one message the store parses. A message past them is still stored and
 * opens: what lies beyond a bound is left unparsed, shows in the raw source, and the message
 * says why (ParseErrors). Every function here is linear in the message and parses nothing.
 */
export const MIME_LIMITS = {
  /** Fields of the top-level header. Real mail has tens (a long Received chain: ~50, Postfix's hopcount_limit). */
  headerFields: 1000,
  /** Bytes of those fields; mailsplit (mailparser's MIME splitter) refuses a header over 1 MiB. */
  headerBytes: 256 * 1024,
  /** MIME parts: mailsplit refuses a message with more (its maxChildNodes), which bounds nesting too. */
  parts: 1000,
} as const;

/** Fields kept past the bounds (their first occurrence): what the summary, the view and tags read. */
const STANDARD = new Set([
  'from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition', 'return-path',
  'list-unsubscribe', 'list-unsubscribe-post', 'x-tags',
]);
/** A standard field longer than this is dropped like any other: 19 of them stay well under mailsplit's 1 MiB. */
const STANDARD_FIELD_BYTES = 16 * 1024;

export interface Bounded {
  raw: Buffer;
  problems: string[];
}

const count = (n: number) => n.toLocaleString('en-US');
const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/** Where the top-level header ends: the offset of the blank line (or the end of the message). */
export function headerEnd(raw: Buffer): number {
  let pos = 0;
  while (pos < raw.length) {
    if (raw[pos] === 0x0a) return pos;
    if (raw[pos] === 0x0d && raw[pos + 1] === 0x0a) return pos;
    const next = raw.indexOf(0x0a, pos);
    if (next < 0) return raw.length;
    pos = next + 1;
  }
  return raw.length;
}

/** [start, end) of each field of the header (a line and its continuation lines, line ends included). */
function fields(raw: Buffer, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let pos = 0;
  while (pos < end) {
    const newline = raw.indexOf(0x0a, pos);
    const lineEnd = newline < 0 || newline >= end ? end : newline + 1;
    const continuation = raw[pos] === 0x20 || raw[pos] === 0x09;
    const last = out[out.length - 1];
    if (continuation && last) last[1] = lineEnd;
    else out.push([pos, lineEnd]);
    pos = lineEnd;
  }
  return out;
}

/** Only the first 100 bytes of a field are searched: a colon-less line must not cost a scan to the end of the message. */
function fieldName(raw: Buffer, [start, end]: [number, number]): string {
  const colon = raw.subarray(start, Math.min(end, start + 101)).indexOf(0x3a);
  return colon < 0 ? '' : raw.toString('latin1', start, start + colon).trim().toLowerCase();
}

/**
 * The message with its top-level header cut to MIME_LIMITS: the first fields, plus the first
 * occurrence of each standard one wherever it stands. Unchanged when the header is within them.
 */
export function boundHeader(raw: Buffer): Bounded {
  const end = headerEnd(raw);
  const all = fields(raw, end);
  if (all.length <= MIME_LIMITS.headerFields && end <= MIME_LIMITS.headerBytes) return { raw, problems: [] };
  const kept: Buffer[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  for (const field of all) {
    const name = fieldName(raw, field);
    const length = field[1] - field[0];
    const ordinary = kept.length < MIME_LIMITS.headerFields && bytes + length <= MIME_LIMITS.headerBytes;
    const standard = STANDARD.has(name) && !seen.has(name) && length <= STANDARD_FIELD_BYTES;
    if (!ordinary && !standard) continue;
    seen.add(name);
    kept.push(raw.subarray(field[0], field[1]));
    bytes += length;
  }
  const problem =
    `the header has ${count(all.length)} fields (${size(end)}), more than the ${count(MIME_LIMITS.headerFields)} fields or ` +
    `${size(MIME_LIMITS.headerBytes)} read: ${count(kept.length)} were read (the first ones and each standard field), the rest shows only in the raw source`;
  return { raw: Buffer.concat([...kept, raw.subarray(end)]), problems: [problem] };
}

/**
 * The message cut before the line that could start part number MIME_LIMITS.parts. Every part
 * after the first begins at a boundary line, and every boundary line begins with "--", so no
 * more parts than that remain (an embedded message/rfc822 is the one exception mailsplit makes;
 * the caller falls back further when even the cut message is refused).
 */
export function cutParts(raw: Buffer): Bounded {
  const body = headerEnd(raw);
  let seen = 0;
  let pos = body;
  while (pos < raw.length) {
    if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d && ++seen === MIME_LIMITS.parts - 1) {
      const problem =
        `more than ${count(MIME_LIMITS.parts)} MIME parts (the bound, which also bounds nesting): the parts after byte ` +
        `${count(pos)} of ${count(raw.length)} were not parsed and show only in the raw source`;
      return { raw: raw.subarray(0, pos), problems: [problem] };
    }
    const next = raw.indexOf(0x0a, pos);
    if (next < 0) break;
    pos = next + 1;
  }
  return { raw, problems: [] };
}

/** Just the (bounded) header, for a summary when the body cannot be parsed at all. */
export function headerOnly(raw: Buffer): Buffer {
  return Buffer.concat([raw.subarray(0, headerEnd(raw)), Buffer.from('\r\n')]);
}
