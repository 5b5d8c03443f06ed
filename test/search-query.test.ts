import { describe, expect, it } from 'vitest';
import { parseSearch, tokenize } from '../server/mail/search-query.js';
import { likePattern, toSql, trigramQuery } from '../server/mail/search-sql.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

describe('search language', () => {
  it('tokenizes on spaces outside quotes and drops the quotes', () => {
    expect(tokenize('from:a subject:"two words" "exact phrase" -to:b')).toEqual(['from:a', 'subject:two words', 'exact phrase', '-to:b']);
    expect(tokenize('  ')).toEqual([]);
    // Mailpit's ArgsParser: an unclosed quote runs to the end.
    expect(tokenize('subject:"open end')).toEqual(['subject:open end']);
  });

  it('parses fields, flags, negation and free words', () => {
    expect(parseSearch('from:shop@x.com !is:read has:attachments invoice -subject:"final notice"')).toEqual([
      { kind: 'text', field: 'from', value: 'shop@x.com', negate: false },
      { kind: 'flag', flag: 'read', negate: true },
      { kind: 'flag', flag: 'attachment', negate: false },
      { kind: 'text', field: 'text', value: 'invoice', negate: false },
      { kind: 'text', field: 'subject', value: 'final notice', negate: true },
    ]);
  });

  it('parses tag: (a whole name, quoted for spaces) and is:tagged', () => {
    expect(parseSearch('tag:"Team A" -is:tagged')).toEqual([
      { kind: 'text', field: 'tag', value: 'Team A', negate: false },
      { kind: 'flag', flag: 'tagged', negate: true },
    ]);
    expect(toSql(parseSearch('tag:x is:tagged')).where).toBe(
      'm.seq IN (SELECT mt.seq FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE t.name = ?) AND EXISTS (SELECT 1 FROM message_tags mt WHERE mt.seq = m.seq)',
    );
  });

  it('treats an unknown prefix as a free word (a URL, a time of day)', () => {
    expect(parseSearch('https://example.com 10:30')).toEqual([
      { kind: 'text', field: 'text', value: 'https://example.com', negate: false },
      { kind: 'text', field: 'text', value: '10:30', negate: false },
    ]);
  });

  it('reads dates in a time zone, ISO instants and ages', () => {
    const [utc] = parseSearch('after:2025-01-31');
    expect(utc).toMatchObject({ kind: 'time', op: 'after', at: Date.UTC(2025, 0, 31) });
    const [auckland] = parseSearch('before:2025-01-31T14:00', { timeZone: 'Pacific/Auckland' });
    expect(auckland).toMatchObject({ at: Date.UTC(2025, 0, 31, 1, 0) }); // NZDT is UTC+13
    expect(parseSearch('before:"2025-01-31 14:00"', { timeZone: 'Pacific/Auckland' })[0]).toEqual(auckland);
    const [instant] = parseSearch('after:2025-06-01T10:00:00+02:00');
    expect(instant).toMatchObject({ at: Date.UTC(2025, 5, 1, 8, 0) });
    const [age] = parseSearch('after:2h', { now: NOW });
    expect(age).toMatchObject({ at: NOW - 7_200_000 });
  });

  it('reads sizes', () => {
    expect(parseSearch('larger:2MB smaller:10k')).toEqual([
      { kind: 'size', op: 'larger', bytes: 2 * 1024 * 1024, negate: false },
      { kind: 'size', op: 'smaller', bytes: 10 * 1024, negate: false },
    ]);
  });

  it('reads Mailpit\'s date formats: slashes, US month first, month names, Unix time', () => {
    const day = Date.UTC(2025, 0, 31);
    for (const text of ['2025/01/31', '2025.01.31', '01/31/2025', '1/31/25', '20250131', '"Jan 31, 2025"', '"31 January 2025"']) {
      expect(parseSearch(`after:${text}`)[0], text).toMatchObject({ kind: 'time', at: day });
    }
    expect(parseSearch('after:"2025/01/31 14:30"')[0]).toMatchObject({ at: Date.UTC(2025, 0, 31, 14, 30) });
    expect(parseSearch('after:1738281600')[0]).toMatchObject({ at: day });
  });

  it.each([
    ['from:', []],
    ['before:soon', []],
    ['after:2025/02/30', []],
    ['is:starred', [{ kind: 'text', field: 'text', value: 'is:starred', negate: false }]],
    ['-larger:big', [{ kind: 'text', field: 'text', value: 'larger:big', negate: true }]],
    ['larger:0', [{ kind: 'text', field: 'text', value: 'larger:0', negate: false }]],
  ])('never rejects %s: ignored or searched as text, as Mailpit does', (query, terms) => {
    expect(parseSearch(query)).toEqual(terms);
  });

  it('falls back to UTC for an unknown time zone', () => {
    expect(parseSearch('after:2025-01-01', { timeZone: 'Nowhere/Land' })[0]).toMatchObject({ at: Date.UTC(2025, 0, 1) });
  });
});

describe('search SQL', () => {
  it('escapes LIKE wildcards and lower-cases Unicode', () => {
    expect(likePattern('50%_off\\ÄÖ')).toBe('%50\\%\\_off\\\\äö%');
  });

  it('builds parameterised clauses, negations wrapped in NOT', () => {
    const sql = toSql(parseSearch('to:an -is:unread larger:1k session:abc'));
    expect(sql.where).toBe("(s.to_lc LIKE ? ESCAPE '\\') AND NOT (m.read = 0) AND m.size > ? AND m.session_id = ?");
    expect(sql.params).toEqual(['%an%', 1024, 'abc']);
  });

  it('answers a substring of three characters or more from the trigram index alone, the LIKE reading only the unindexed tail', () => {
    const sql = toSql(parseSearch('to:Anna -subject:invoice'));
    const indexed = (match: string) => `m.seq IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ? AND rowid <= (SELECT upto FROM message_index) UNION ALL SELECT s.seq FROM message_search s WHERE s.seq > (SELECT upto FROM message_index) AND (${match} LIKE ? ESCAPE '\\'))`;
    expect(sql.where).toBe(`${indexed('s.to_lc')} AND NOT (${indexed('s.subject_lc')})`);
    expect(sql.params).toEqual(['{to_lc} : "anna"', '%anna%', '{subject_lc} : "invoice"', '%invoice%']);
    expect(sql).toMatchObject({ text: false, narrow: true });
    expect(trigramQuery(['s.body_lc'], 'say "hi"')).toBe('{body_lc} : "say ""hi"""');
    expect(trigramQuery(['s.body_lc'], 'ab')).toBeUndefined();
    expect(toSql(parseSearch('ab'))).toMatchObject({ text: true, narrow: false });
  });

  it('searches every text column for a free word', () => {
    const sql = toSql(parseSearch('hello'));
    expect(sql.params).toEqual(['"hello"', ...Array(9).fill('%hello%')]);
    expect(sql.where).toContain('s.body_lc LIKE ?');
  });

  it('is a no-op filter for an empty query', () => {
    expect(toSql([])).toEqual({ where: '1', params: [], text: false, narrow: true });
  });
});
