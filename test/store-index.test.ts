import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Corpus } from '../bench/store-corpus.js';
import { MIGRATIONS, type Db } from '../server/mail/database.js';
import type { MailWriter } from '../server/mail/mail-writer.js';
import type { MessageStore } from '../server/mail/message-store.js';
import { parseSearch } from '../server/mail/search-query.js';
import { toSql } from '../server/mail/search-sql.js';
import { fillWriter, openWriter, STORE_NOW as NOW } from './helpers/filled-store.js';
import { expectIndexMatchesScan } from './helpers/search-compare.js';
import { getJson, startSim } from './helpers/sim.js';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-store-index-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Messages whose text tries the edges: LIKE's wildcards, quotes, non-ASCII case, words under three characters. */
const EDGES = [
  ['50% off_now', 'Price: 50% off, use code a_b\\c today'],
  ['Say "hi"', 'He said "hi" and left; ÄÖÜ Zoë İstanbul'],
  ['ab', 'x y z ab'],
  ['ZOË writes', 'Grüße aus München, STRASSE'],
] as const;

/** The bench corpus (seed 7), then the EDGES. */
const fill = (writer: MailWriter, count: number) => fillWriter(writer, new Corpus(7), count, { extra: EDGES });

const QUERIES = (corpus: Corpus) => [
  ...[0, 3, 10, 40, 120, 400, 1500].map((rank) => corpus.word(rank)),
  'subject:invoice', 'from:grace', 'from:"Grace "', 'to:example.org', 'cc:mail', 'rcpt:judy', 'addressed:shop.example', 'message-id:bench.mailsim',
  'report-12', 'statement-1', '.pdf', '#12', 'ka', 'ab', 'a', 'zoë', 'ZOË', 'straße', 'strasse', 'i̇stanbul', '"said "hi"', '50%', 'a_b', 'a_b\\c', '%', '_',
  'the team', '"the team"', 'subject:the from:bob', '-from:alice subject:the', '-the', 'is:unread the', 'has:attachment report', 'tag:billing the', 'qqxqqx',
];

const compare = (messages: MessageStore, query: string): number => expectIndexMatchesScan(messages, query, NOW);

/** What the kept counts must always equal: a recount (a where other than '1' is counted). */
function expectCountsRight(db: Db, messages: MessageStore): void {
  const recount = messages.countMatching({ where: '1 = 1', params: [] });
  expect(messages.countMatching()).toEqual(recount);
  const tags = db.prepare('SELECT t.name, count(*) AS n FROM tags t JOIN message_tags mt ON mt.tag_id = t.id GROUP BY t.id ORDER BY t.name').all() as Array<{ name: string; n: number }>;
  expect(messages.tags.counts()).toEqual(Object.fromEntries(tags.map((t) => [t.name, t.n])));
}

describe('the trigram index (issue 14)', () => {
  it('finds exactly what the plain scan finds, on a varied corpus and after deletes', async () => {
    const { db, writer } = openWriter(join(scratch(), 'store.db'));
    await fill(writer, 300);
    await writer.handle({ op: 'setRead', read: true, target: { filter: { where: 'm.seq % 3 = 0', params: [] } } });
    const queries = QUERIES(new Corpus(7));
    // Nothing indexed yet (the index is written after the commits): every message is in the tail.
    for (const query of queries.slice(0, 12)) compare(writer.messages, query);
    writer.messages.index.catchUp();
    const matched = queries.map((query) => compare(writer.messages, query));
    expect(matched.filter((n) => n > 0).length).toBeGreaterThan(25);
    // Deleted messages stay in the index until purged, and results still agree before and after.
    const some = writer.messages.list(0, 300).map((m) => m.ID).filter((_, i) => i % 2 === 0);
    await writer.handle({ op: 'delete', target: { ids: some } });
    await writer.handle({ op: 'delete', target: { filter: toSql(parseSearch('subject:invoice')) } });
    for (const query of queries) compare(writer.messages, query);
    writer.messages.index.catchUp();
    for (const query of queries) compare(writer.messages, query);
    // The newest messages deleted: SQLite hands their seqs out again, to messages with other text.
    const newest = writer.messages.list(0, 10).map((m) => m.ID);
    await writer.handle({ op: 'delete', target: { ids: newest } });
    await fill(writer, 3);
    for (const query of queries) compare(writer.messages, query);
    writer.messages.index.catchUp();
    for (const query of queries) compare(writer.messages, query);
    expect(db.prepare('SELECT count(*) FROM message_fts').pluck().get()).toBe(writer.messages.countMatching().total);
    db.close();
  });

  it('keeps total, unread and per-tag counts right through reads, tags, deletes, pruning and delete-all', async () => {
    const { db, writer } = openWriter(join(scratch(), 'store.db'), 500);
    await fill(writer, 520);
    const m = writer.messages;
    expect(m.countMatching().total).toBe(500);
    expectCountsRight(db, m);
    const ids = m.list(0, 100).map((s) => s.ID);
    await writer.handle({ op: 'setRead', read: true, target: { ids: [...ids.slice(0, 40), ids[0]!] } });
    await writer.handle({ op: 'setRead', read: false, target: { ids: ids.slice(0, 10) } });
    await writer.handle({ op: 'setRead', read: true, target: { filter: toSql(parseSearch('from:grace')) } });
    expectCountsRight(db, m);
    await writer.handle({ op: 'setTags', ids: ids.slice(0, 30), tags: ['Alpha', 'billing'] });
    await writer.handle({ op: 'renameTag', from: 'alpha', to: 'Beta' });
    await writer.handle({ op: 'deleteTag', name: 'news' });
    expectCountsRight(db, m);
    await writer.handle({ op: 'delete', target: { ids: [...ids.slice(20, 50), 'no-such-id'] } });
    await writer.handle({ op: 'delete', target: { filter: toSql(parseSearch('is:read has:attachment')) } });
    await writer.handle({ op: 'sweep', cutoff: NOW + 30 });
    expectCountsRight(db, m);
    await fill(writer, 10);
    expectCountsRight(db, m);
    await writer.handle({ op: 'delete', target: 'all' });
    expect(m.countMatching()).toEqual({ total: 0, unread: 0 });
    expectCountsRight(db, m);
    await fill(writer, 5);
    expectCountsRight(db, m);
    m.index.catchUp();
    expect(compare(m, 'zoë')).toBeGreaterThan(0);
    db.close();
  });

  it('backfills counts, tag counts and the index when it opens a database written before it', async () => {
    const path = join(scratch(), 'old.db');
    const mine = MIGRATIONS.findIndex((sql) => sql.includes('message_fts'));
    const old = new Database(path);
    old.pragma('auto_vacuum = INCREMENTAL');
    old.pragma('journal_mode = WAL');
    MIGRATIONS.slice(0, mine).forEach((sql) => old.exec(sql));
    old.pragma(`user_version = ${mine}`);
    const insert = old.prepare(`INSERT INTO messages (id, created, envelope_from, envelope_to, message_id, subject, addresses, size, snippet, attachments, inline, username, read)
      VALUES (?, ?, 'a@x', '[]', '', ?, '{"From":null,"To":[],"Cc":[],"Bcc":[],"ReplyTo":[]}', 1, '', 0, 0, '', ?)`);
    const search = old.prepare("INSERT INTO message_search VALUES (?, '', '', '', '', '', '', ?, '', ?)");
    for (let n = 1; n <= 30; n++) {
      const seq = Number(insert.run(`id${n}`, NOW + n, `Old subject ${n}`, n % 4 === 0 ? 1 : 0).lastInsertRowid);
      search.run(seq, `old subject ${n}`, n % 5 === 0 ? 'the quarterly figures' : 'nothing here');
    }
    old.exec("INSERT INTO tags (id, name) VALUES (1, 'kept'); INSERT INTO message_tags SELECT seq, 1 FROM messages WHERE seq <= 7;");
    old.close();

    const { db, writer } = openWriter(path);
    expect(writer.messages.countMatching()).toEqual({ total: 30, unread: 23 });
    expect(writer.messages.tags.counts()).toEqual({ kept: 7 });
    expect(compare(writer.messages, 'quarterly')).toBe(6);
    writer.messages.index.catchUp();
    expect(db.prepare('SELECT count(*) FROM message_fts').pluck().get()).toBe(30);
    expect(compare(writer.messages, 'quarterly')).toBe(6);
    expect(compare(writer.messages, 'subject:"subject 1"')).toBe(11);
    db.close();
  });

  it('empties the WAL when the API deletes all messages, and stores and finds mail afterwards', async () => {
    const path = join(scratch(), 'api.db');
    const sim = await startSim({ db: path });
    try {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true });
      for (let n = 0; n < 4; n++) await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: `before ${n}`, text: 'x'.repeat(20_000) });
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
      expect((await fetch(`${sim.url}/api/v1/messages`, { method: 'DELETE' })).status).toBe(200);
      // Emptied by the delete; the idle writer may since have begun freeing what it set aside
      // (a few pages a step; table-discard.ts: 78 KB by the time of the read at load 25) and
      // empties it again once done. A WAL file is never shrunk but by that emptying: without
      // it, it would keep the 80 KB and more the messages above put in it.
      await vi.waitFor(() => expect(statSync(`${path}-wal`).size).toBeLessThan(64 * 1024), { timeout: 10_000, interval: 20 });
      expect((await getJson(`${sim.url}/api/v1/info`)).body).toMatchObject({ Messages: 0, Unread: 0 });
      await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'after delete-all', text: 'findable words' });
      const found = await getJson(`${sim.url}/api/v1/search?query=${encodeURIComponent('findable')}`);
      expect(found.body).toMatchObject({ total: 1, unread: 1, messages_count: 1 });
      expect(found.body.messages[0].Subject).toBe('after delete-all');
      transport.close();
    } finally {
      await sim.stop();
    }
  });
});
