import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Corpus } from '../bench/store-corpus.js';
import { openDatabase } from '../server/mail/database.js';
import { MailWriter } from '../server/mail/mail-writer.js';
import { parseSearch } from '../server/mail/search-query.js';
import { toSql } from '../server/mail/search-sql.js';
import { trigramSet } from '../server/mail/fts-text.js';
import { trigramQuery } from '../server/mail/search-sql.js';

// Issue 9, item 8: a long column is indexed as its set of trigrams (server/mail/fts-text.ts).
// A search must find through it every row it finds through the text itself.
const db = new Database(':memory:');
db.exec(`CREATE VIRTUAL TABLE fts USING fts5(a, b, content = '', contentless_delete = 1, detail = column, tokenize = 'trigram case_sensitive 1')`);
const insert = db.prepare('INSERT INTO fts (rowid, a, b) VALUES (?, ?, ?)');
const match = db.prepare('SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid').pluck();

/** Rows matching `value` in column a (or both), row 1 indexed from the text, row 2 from its trigram set. */
function candidates(value: string, columns: string[]): number[] {
  const query = trigramQuery(columns, value);
  return query === undefined ? [1, 2] : (match.all(query) as number[]);
}

function indexBoth(a: string, b: string): void {
  db.exec('DELETE FROM fts');
  insert.run(1, a, b);
  insert.run(2, trigramSet(a), trigramSet(b));
}

const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' ', ',', '@', 'ä', '😀', '\u0001', 'Z'), maxLength: 60 });

describe('a long column indexed as its set of trigrams', () => {
  it('is found by every substring of the text, as the text itself is', () => {
    fc.assert(
      fc.property(text, text, fc.nat(), fc.nat(), (a, b, from, length) => {
        indexBoth(a, b);
        const chars = [...a];
        const start = chars.length ? from % chars.length : 0;
        const value = chars.slice(start, start + 3 + (length % 8)).join('');
        for (const columns of [['s.a'], ['s.a', 's.b']]) {
          const found = candidates(value, columns);
          if (found.includes(1)) expect(found, JSON.stringify({ a, b, value })).toContain(2);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('keeps every trigram of 100,000 addresses in a fraction of their length', () => {
    const addresses = Array.from({ length: 100_000 }, (_, i) => `r${i}@example.org`);
    const joined = addresses.join(', ');
    const set = trigramSet(joined);
    expect(set.length).toBeLessThan(joined.length / 100);
    indexBoth(joined, '');
    for (const address of ['r0@example.org', 'r99999@example.org', 'r31415@', 'org, r1000@', 'le.org, r7']) expect(candidates(address, ['s.a'])).toEqual([1, 2]);
    expect(candidates('example.com', ['s.a'])).toEqual([]);
  });

  it('is the text itself when the set would be no shorter', () => {
    expect(trigramSet('abcdef')).toBe('abcdef');
  });
});

describe('a message to many recipients in the store', () => {
  it('is found through the index by any of its recipients, as by the scan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-fts-text-'));
    const db = openDatabase({ path: join(dir, 'm.db') });
    try {
      const writer = new MailWriter(db, { maxMessages: 1000, maxSessions: 100 }, { sources: [] });
      const corpus = new Corpus(3);
      const to = Array.from({ length: 5_000 }, (_, i) => `R${i}@Example.org`);
      for (let n = 0; n < 3; n++) {
        const { raw, parsed, envelope } = corpus.message(n);
        await writer.handle({ op: 'ingest', raw: new Uint8Array(raw), parsed, envelope: n === 1 ? { ...envelope, to } : envelope, session: undefined, now: Date.UTC(2026, 0, 1) + n });
      }
      writer.messages.index.catchUp();
      const bulk = writer.messages.list(0, 10).find((m) => m.Bcc.length >= 5_000);
      expect(bulk).toBeDefined();
      for (const query of ['rcpt:r4999@example.org', 'bcc:r0@', 'r2718@example', 'addressed:"r1234@example.org"', 'rcpt:r5000@', 'rcpt:"org, r12"', 'bcc:example.com']) {
        const terms = parseSearch(query, { now: Date.UTC(2026, 0, 2) });
        const indexed = writer.messages.idsMatching(toSql(terms)).sort();
        expect(indexed, query).toEqual(writer.messages.idsMatching(toSql(terms, { index: false })).sort());
      }
      expect(writer.messages.idsMatching(toSql(parseSearch('rcpt:r4999@example.org', { now: 0 })))).toEqual([bulk?.ID]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
