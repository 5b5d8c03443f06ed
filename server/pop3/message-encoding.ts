const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const DOT_BYTE = Buffer.from('.');
/** Large enough to keep syscalls few, small enough that a 50 MB message never sits twice in memory. */
const CHUNK = 64 * 1024;

/** The lines of a message without their line ends (a final line end adds no empty line). */
function* linesOf(raw: Buffer): Generator<Buffer> {
  let start = 0;
  for (let lf = raw.indexOf(LF); lf !== -1; lf = raw.indexOf(LF, start)) {
    yield raw.subarray(start, lf > start && raw[lf - 1] === CR ? lf - 1 : lf);
    start = lf + 1;
  }
  if (start < raw.length) yield raw.subarray(start);
}

/** With `bodyLines` set, only the header, the blank line and that many body lines (TOP). */
function* selectedLines(raw: Buffer, bodyLines: number | undefined): Generator<Buffer> {
  if (bodyLines === undefined) return yield* linesOf(raw);
  let inBody = false;
  let left = bodyLines;
  for (const line of linesOf(raw)) {
    if (inBody) {
      if (left-- <= 0) return;
    } else if (line.length === 0) {
      inBody = true;
    }
    yield line;
  }
}

/**
 * A message as a POP3 multi-line response body (RFC 1939 §3): CRLF line ends, a line that
 * starts with "." gets another "." in front, and the terminating ".\r\n". Yields chunks of
 * about 64 KiB so the caller can respect socket back-pressure.
 */
export function* multiLineMessage(raw: Buffer, bodyLines?: number): Generator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for (const line of selectedLines(raw, bodyLines)) {
    if (line[0] === DOT) parts.push(DOT_BYTE);
    parts.push(line, CRLF);
    size += line.length + 3;
    if (size >= CHUNK) {
      yield Buffer.concat(parts);
      parts = [];
      size = 0;
    }
  }
  parts.push(Buffer.from('.\r\n'));
  yield Buffer.concat(parts);
}

/** A multi-line response of short text lines (CAPA, LIST, UIDL), stuffed and terminated. */
export function multiLineText(first: string, lines: readonly string[]): string {
  return [first, ...lines.map((line) => (line.startsWith('.') ? `.${line}` : line)), '.'].join('\r\n') + '\r\n';
}
