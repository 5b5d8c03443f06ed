import { describe, expect, it } from 'vitest';
import { headerMap } from '../server/util/headers.js';

describe('headerMap', () => {
  it('reads the header block of a CRLF message, unfolded, in Go key spelling, repeats in order', () => {
    const raw = Buffer.from('message-id: <a@b>\r\nSubject: one\r\n two\r\nReceived: x\r\nReceived: y\r\n\r\nBody: not a header\n\nEither: no\r\n');
    expect(headerMap(raw)).toEqual({ 'Message-Id': ['<a@b>'], Subject: ['one two'], Received: ['x', 'y'] });
  });

  it('ends at a bare-LF blank line, and at whichever blank line comes first', () => {
    expect(headerMap(Buffer.from('Subject: lf\n\nBody: no\r\n\r\n'))).toEqual({ Subject: ['lf'] });
    expect(headerMap(Buffer.from('Subject: crlf\r\n\r\nBody: no\n\nStill: no'))).toEqual({ Subject: ['crlf'] });
  });

  it('takes the whole input as headers when there is no blank line', () => {
    expect(headerMap(Buffer.from('Subject: only headers\r\nX-Tags: a'))).toEqual({ Subject: ['only headers'], 'X-Tags': ['a'] });
  });
});
