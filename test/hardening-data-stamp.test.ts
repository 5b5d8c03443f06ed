import { describe, expect, it } from 'vitest';
import { traceHeaders } from '../server/smtp/trace-headers.js';

// Issue 9, item 11: 20 MiB of DATA without a blank line is all header. Looking for its
// Return-Path and Message-ID decoded the whole 20 MiB into one string and ran two multi-line
// regexes over it, on the event loop, for each such message (13 at once in bench:hostile).
// Only the lines that may be one of those fields are decoded now, however long the block.
const facts = { helo: 'big.test', greeting: 'EHLO' as const, clientAddress: '127.0.0.1', hostname: 'mailsim.test', secure: false, authenticated: false, envelopeFrom: 'a@example.com', recipients: ['b@example.org'], now: 0 };

/** Bytes of the message decoded to text while `fn` runs. */
function decoded(fn: () => void): number {
  let bytes = 0;
  const real = Buffer.prototype.toString;
  const counting = function (this: Buffer, encoding?: BufferEncoding, start = 0, end = this.length): string {
    bytes += Math.min(end, this.length) - start;
    return real.call(this, encoding, start, end);
  };
  Buffer.prototype.toString = counting as typeof real;
  try {
    fn();
  } finally {
    Buffer.prototype.toString = real;
  }
  return bytes;
}

describe('trace fields of a message with a huge header block', () => {
  const lines = `${'d'.repeat(998)}\r\n`.repeat(3 * 1024);

  it('reads its fields without decoding the block', () => {
    const raw = Buffer.from(`X-A: 1\r\nmessage-ID :\r\n <id@x>\r\nReturn-Path: <a@example.com>\r\n${lines}`);
    let trace: ReturnType<typeof traceHeaders> | undefined;
    // Before: the 3 MiB block, whole.
    expect(decoded(() => (trace = traceHeaders(raw, facts)))).toBeLessThan(4096);
    // The folded Message-ID counts (no second one) and the Return-Path matches (none added).
    expect(trace!.messageId).toBeUndefined();
    expect(trace!.top).toHaveLength(1);
    expect(trace!.top[0]).toMatch(/^Received: from big.test /);
  });

  it('finds a Message-ID after the 3 MiB and none past the header end', () => {
    const late = traceHeaders(Buffer.from(`${lines}Message-Id: <late@x>\r\n\r\nbody`), facts);
    expect(late.messageId).toBeUndefined();
    expect(late.top[0]).toBe('Return-Path: <a@example.com>');
    const inBody = traceHeaders(Buffer.from(`Subject: s\r\n\r\nMessage-ID: <no@x>\r\n`), facts);
    expect(inBody.messageId).toMatch(/^<[\w-]+@mailsim\.test>$/);
    expect(traceHeaders(Buffer.from(`Message-ID:   \r\n\r\n`), facts).messageId).toBeDefined();
  });
});
