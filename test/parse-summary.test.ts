import { describe, expect, it } from 'vitest';
import { fullSummary, parseSummary, plainSummary } from '../server/mail/message-parser.js';
import { Corpus } from '../bench/store-corpus.js';

/**
 * The ingest parse reads a single-part plain-text message without mailparser's MIME pipeline
 * (message-parser.ts, plainSummary). What the list, search, tags and fault rules read of a
 * message must be exactly what the full parse gives: each message here is summarised both ways.
 */
const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));
const head = ['From: "Zoë Q." <zoe@example.com>', 'To: a@example.org, "B, C" <b@example.org>', 'Subject: hello', 'Message-ID: <m1@example.com>', 'Date: Tue, 01 Dec 2026 10:00:00 +0000'];

const plain: Array<[string, Buffer]> = [
  ['no Content-Type, CRLF', crlf([...head, '', 'line one', 'line two', ''])],
  ['no trailing line end', crlf([...head, '', 'just this'])],
  ['empty body', crlf([...head, '', ''])],
  ['no body at all', crlf([...head, ''])],
  ['no blank line', crlf(head)],
  ['LF only', Buffer.from([...head, 'Content-Type: text/plain', '', 'a', 'b', ''].join('\n'))],
  ['mixed line ends and blank lines', Buffer.from([...head, '', 'a\r\n\r\n\nb\n\r\nc\r\n'].join('\r\n'))],
  ['utf-8 body, 8bit', crlf([...head, 'Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: 8bit', '', 'Grüße, naïve café ✓', ''])],
  ['invalid utf-8 bytes', Buffer.concat([crlf([...head, 'Content-Type: text/plain; charset=utf-8', '', 'bad ']), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\r\n')])],
  ['us-ascii, 7bit, format=fixed', crlf([...head, 'Content-Type: TEXT/PLAIN; charset=us-ascii; format=fixed', 'Content-Transfer-Encoding: 7BIT', '', 'plain', ''])],
  ['encoded words, groups, Bcc, Reply-To, X-Tags', crlf(['From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.com>', 'To: team: x@example.org, y@example.org;', 'Cc: c@example.org', 'Bcc: hidden@example.org', 'Reply-To: r@example.org', 'Subject: =?utf-8?q?Caf=C3=A9_menu?=', 'X-Tags: one, two', 'X-Tags: three', 'Date: 1 Dec 2026 10:00 -0500', '', 'body', ''])],
  ['no Date, no Message-ID, folded subject', crlf(['From: a@example.com', 'Subject: a long', ' folded subject', '', 'x', ''])],
  ['long body past the snippet', crlf([...head, '', ...Array.from({ length: 400 }, (_, i) => `word${i}   spaced\tout`), ''])],
  ['a dot-stuffing leftover and dashes', crlf([...head, '', '--not a boundary', '.', '..', ''])],
];

const full: Array<[string, Buffer]> = [
  ['flowed', crlf([...head, 'Content-Type: text/plain; charset=utf-8; format=flowed', '', 'soft ', 'wrapped', ''])],
  ['quoted-printable', crlf([...head, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=C3=A9 =', 'joined', ''])],
  ['base64', crlf([...head, 'Content-Transfer-Encoding: base64', '', Buffer.from('hello base64\r\n').toString('base64'), ''])],
  ['latin-1', Buffer.concat([crlf([...head, 'Content-Type: text/plain; charset=iso-8859-1', '', 'caf']), Buffer.from([0xe9, 0x0d, 0x0a])])],
  ['html', crlf([...head, 'Content-Type: text/html', '', '<p>Hi <b>there</b></p>', ''])],
  ['attachment disposition', crlf([...head, 'Content-Type: text/plain', 'Content-Disposition: attachment; filename="notes.txt"', '', 'file', ''])],
  ['named part', crlf([...head, 'Content-Type: text/plain; name="notes.txt"', '', 'file', ''])],
  ['multipart', crlf([...head, 'Content-Type: multipart/alternative; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'text', '--b', 'Content-Type: text/html', '', '<p>html</p>', '--b--', ''])],
];

describe('the ingest summary of a plain-text message', () => {
  it.each(plain)('takes the short way and equals the full parse: %s', async (_name, raw) => {
    const short = await plainSummary(raw);
    expect(short).toBeDefined();
    expect(short).toEqual(await fullSummary(raw));
  });

  it.each(full)('goes the full way: %s', async (_name, raw) => {
    expect(await plainSummary(raw)).toBeUndefined();
    expect(await parseSummary(raw)).toEqual(await fullSummary(raw));
  });

  it('equals the full parse on a varied corpus (plain and multipart with attachments)', async () => {
    const corpus = new Corpus(7);
    let short = 0;
    for (let n = 0; n < 80; n++) {
      const { raw } = corpus.message(n);
      if (await plainSummary(raw)) short++;
      expect(await parseSummary(raw)).toEqual(await fullSummary(raw));
    }
    expect(short).toBeGreaterThan(50);
  });
});
