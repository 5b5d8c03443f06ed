import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Corpus } from '../bench/store-corpus.js';
import { openDatabase } from '../server/mail/database.js';
import { MailWriter } from '../server/mail/mail-writer.js';
import type { MessageStore } from '../server/mail/message-store.js';
import { parseSearch } from '../server/mail/search-query.js';
import { toSql, trigramQuery } from '../server/mail/search-sql.js';
import { expectIndexMatchesScan } from './helpers/search-compare.js';

// Issue 14: the trigram index (detail=full, database.ts) now decides a substring search alone
// for every message it holds, with no LIKE after it (search-sql.ts). These messages are made so
// that an index which is not exact would show: the trigrams of a value present but apart ("abc
// bcd" holds those of "abcd"), a value split across two columns, repeats, three-character values
// (one trigram), and the edges of lower-casing, quoting and LIKE's wildcards.

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const NOW = Date.UTC(2026, 0, 1);
const session = { id: 'S1', started: NOW, ended: null, client: { address: '127.0.0.1', port: 40_000 }, server: { address: '127.0.0.1', port: 1025 }, helo: 'test', tls: null, user: '', outcome: 'active' as const, outcomeCode: null, outcomeDetail: '', messages: 0, transactions: [], transcript: [] };

interface Edge {
  subject: string;
  text: string;
  from?: { Name: string; Address: string };
}

const EDGES: Edge[] = [
  { subject: 'abc bcd', text: 'its trigrams apart: abx xbc cdq' },
  { subject: 'abcd itself', text: 'plain' },
  { subject: 'aaa', text: 'aaaa once, and aa' },
  { subject: 'grace', text: 'nothing', from: { Name: 'Ada', Address: 'ada@grace.test' } },
  { subject: 'split', text: 'gra', from: { Name: 'Bob Gra', Address: 'ce@x.test' } },
  { subject: '50% off_now', text: 'Price: 50% off, use code a_b\\c today; 100 %_ sure' },
  { subject: 'Say "hi"', text: 'He said "hi" and left; ÄÖÜ Zoë İstanbul' },
  { subject: 'ZOË writes', text: 'Grüße aus München, STRASSE und straße' },
  { subject: 'emoji 📬📬 mail', text: 'a 📬 b 日本語のメール テスト' },
  { subject: 'quotes \'single\' and "double""', text: 'x""y and {col} : "phrase" AND OR NOT NEAR( * ^' },
  { subject: 'nul', text: 'before\u0000after' },
  { subject: 'ab', text: 'x y z ab' },
  { subject: 'Invoice 12', text: 'INVOICE in capitals, invoices plural' },
];

const QUERIES = [
  'abcd', 'abc', 'bcd', 'abc bcd', '"abc bcd"', 'subject:abcd', 'aaa', 'aaaa', 'aaaaa', 'grace', 'from:grace', 'from:"gra"', 'from:grace.test', 'to:grace',
  'addressed:grace', 'gra', 'ce@', 'from:ce@x', '50%', '%_', '%', '_', 'a_b', 'a_b\\c', '\\c', 'off_now', 'subject:"50% off"', '"said "hi"', '"hi"', 'said',
  'zoë', 'ZOË', 'Zoe', 'straße', 'strasse', 'STRASSE', 'münchen', 'i̇stanbul', 'istanbul', 'äöü', '📬📬', '📬 b', 'a 📬', '日本語', 'のメール', 'テスト',
  'x""y', '{col}', '"phrase" and', 'AND OR', 'near(', ' * ^', "'single'", 'before\u0000after', 'before', 'ab', 'a', 'invoice', 'subject:invoice', 'INVOICES',
  '-abcd', '-from:grace', '!subject:aaa', '-invoice is:unread', 'is:unread abc', 'subject:abc -subject:bcd', 'abcd abc', 'message-id:bench', '-ab',
];

const compare = (messages: MessageStore, query: string): number => expectIndexMatchesScan(messages, query, NOW);

async function store(writer: MailWriter, corpus: Corpus, from: number, count: number): Promise<void> {
  const writes: Array<Promise<unknown>> = [];
  for (let n = from; n < from + count; n++) {
    const { raw, parsed, envelope } = corpus.message(n);
    const edge = EDGES[n % EDGES.length]!;
    const summary = { ...parsed, subject: edge.subject, text: edge.text, from: edge.from ?? parsed.from };
    writes.push(Promise.resolve(writer.handle({ op: 'ingest', raw: new Uint8Array(raw), parsed: summary, envelope, session, now: NOW + n })));
  }
  await Promise.all(writes);
}

describe('the exact trigram search (issue 14)', () => {
  it('asks the index for the value as one phrase, and only where it can answer', () => {
    expect(trigramQuery(['s.subject_lc'], 'Invoice')).toBe('{subject_lc} : "invoice"');
    expect(trigramQuery(['s.from_lc', 's.to_lc'], 'say "hi"')).toBe('{from_lc to_lc} : "say ""hi"""');
    expect(trigramQuery(['s.subject_lc'], 'ab')).toBeUndefined();
    expect(trigramQuery(['s.subject_lc'], '📬b')).toBeUndefined();
    expect(trigramQuery(['s.subject_lc'], 'a\u0000bc')).toBeUndefined();
    // A substring term that the index answers reads no row of message_search outside its tail.
    expect(toSql(parseSearch('from:grace')).text).toBe(false);
    expect(toSql(parseSearch('ab')).text).toBe(true);
  });

  it('finds exactly what the LIKE alone finds: indexed, in the unindexed tail, and after deletes hand seqs out again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-search-exact-'));
    dirs.push(dir);
    const db = openDatabase({ path: join(dir, 'store.db') });
    const writer = new MailWriter(db, { maxMessages: 100_000, maxSessions: 1000 }, { sources: ['x-tags'] });
    const m = writer.messages;
    const corpus = new Corpus(21);
    await store(writer, corpus, 0, 3 * EDGES.length);
    await writer.handle({ op: 'setRead', read: true, target: { filter: { where: 'm.seq % 3 = 0', params: [] } } });
    // Nothing indexed yet: every message is in the tail the LIKE reads.
    for (const query of QUERIES) compare(m, query);
    m.index.catchUp();
    const found = QUERIES.map((query) => compare(m, query));
    // The corpus does reach the cases (else the comparison above proves little).
    expect(found[QUERIES.indexOf('abcd')]).toBe(3);
    expect(found[QUERIES.indexOf('from:grace.test')]).toBe(3);
    expect(found[QUERIES.indexOf('aaaa')]).toBe(3);
    expect(found[QUERIES.indexOf('aaaaa')]).toBe(0);
    expect(found[QUERIES.indexOf('📬📬')]).toBe(3);
    expect(found[QUERIES.indexOf("'single'")]).toBe(3);
    // Half indexed, half in the tail.
    await store(writer, corpus, 3 * EDGES.length, EDGES.length);
    m.index.step(5);
    for (const query of QUERIES) compare(m, query);
    // Deleting the newest lowers `upto`; the seqs are handed out again to other text while the
    // index still holds the deleted messages' rows (stale until purged).
    const newest = m.list(0, 4).map((s) => s.ID);
    await writer.handle({ op: 'delete', target: { ids: newest } });
    await store(writer, corpus, 5 * EDGES.length + 3, 4);
    for (const query of QUERIES) compare(m, query);
    m.index.catchUp();
    for (const query of QUERIES) compare(m, query);
    db.close();
  });
});
