const LF = 0x0a;
const CR = 0x0d;

/** A line that went over the limit; its bytes were dropped as they came. */
export const TOO_LONG = Symbol('line too long');
export type Line = Buffer | typeof TOO_LONG;

/**
 * Splits a byte stream into lines (LF or CRLF ended) without ever holding more than `limit`
 * bytes of one line: an over-long line is skipped to its end and reported once as TOO_LONG,
 * so a client that never sends a line end cannot grow the buffer.
 */
export class LineReader {
  #parts: Buffer[] = [];
  #length = 0;
  #overflow = false;

  /** `limit` counts the line end too, as RFC 2449 §4 does (255 octets for a command). */
  constructor(public limit: number) {}

  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
      lines.push(this.#finish(chunk.subarray(start, lf)));
      start = lf + 1;
    }
    if (start < chunk.length) this.#append(chunk.subarray(start));
    return lines;
  }

  /** Drops what is buffered (after STLS: nothing sent in plaintext may count once TLS is up). */
  clear(): void {
    this.#parts = [];
    this.#length = 0;
    this.#overflow = false;
  }

  #append(piece: Buffer): void {
    if (this.#overflow) return;
    // +1 for the LF still to come; a CR already in the buffer is counted with the line.
    if (this.#length + piece.length + 1 > this.limit) {
      this.#overflow = true;
      this.#parts = [];
      this.#length = 0;
      return;
    }
    this.#parts.push(Buffer.from(piece));
    this.#length += piece.length;
  }

  #finish(tail: Buffer): Line {
    this.#append(tail);
    if (this.#overflow) {
      this.clear();
      return TOO_LONG;
    }
    let line = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#length);
    this.#parts = [];
    this.#length = 0;
    if (line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    return line;
  }
}
