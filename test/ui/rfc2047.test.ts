import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEncodedWords, readableHeader } from '../../ui/src/lib/rfc2047.js';

/** nodemailer's own header encoder (what the mail under test is usually written with). */
const { encodeWords } = createRequire(import.meta.url)('nodemailer/lib/mime-funcs') as { encodeWords(text: string, encoding: 'Q' | 'B', maxLength: number): string };

describe('RFC 2047 encoded words in the headers view', () => {
  it('decodes Q and B words, joins adjacent ones, keeps plain text and spaces between text and words', () => {
    expect(decodeEncodedWords('=?UTF-8?Q?Caf=C3=A9_d=C3=A9j=C3=A0?= =?UTF-8?B?4pyT?= x')).toBe('Café déjà✓ x');
    expect(decodeEncodedWords('Re: =?ISO-8859-1?Q?Gr=FC=DFe?= aus Berlin')).toBe('Re: Grüße aus Berlin');
    expect(decodeEncodedWords('=?utf-8?q?Zo=C3=AB?= <zoe@example.com>')).toBe('Zoë <zoe@example.com>');
    expect(decodeEncodedWords('=?UTF-8*en?Q?hello?=')).toBe('hello');
    expect(decodeEncodedWords('plain =?not-a-word')).toBe('plain =?not-a-word');
    // A character split across two words comes out whole.
    expect(decodeEncodedWords('=?UTF-8?Q?=E2=9C?= =?UTF-8?Q?=93?=')).toBe('✓');
    // An unknown charset leaves the word as sent.
    expect(decodeEncodedWords('=?x-unknown?Q?abc?=')).toBe('=?x-unknown?Q?abc?=');
    expect(readableHeader('=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=')).toBe('ab');
  });

  it('reads back what nodemailer writes, however it splits the words', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.constantFrom('Q', 'B') as fc.Arbitrary<'Q' | 'B'>, fc.integer({ min: 8, max: 60 }), (text, encoding, width) => {
        const encoded = encodeWords(text, encoding, width);
        expect(decodeEncodedWords(encoded)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
