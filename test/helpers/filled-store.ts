import type { Corpus } from '../../bench/store-corpus.js';
import { openDatabase, type Db } from '../../server/mail/database.js';
import { MailWriter } from '../../server/mail/mail-writer.js';

/** The store tests' clock: message n is received at STORE_NOW + n. */
export const STORE_NOW = Date.UTC(2026, 0, 1);

/** An SMTP session as the writer stores it, with nothing in it: the one message n arrives on (n % 20). */
export const storeSession = (n: number) => ({
  id: `S${n}`, started: STORE_NOW, ended: null, client: { address: '127.0.0.1', port: 40_000 }, server: { address: '127.0.0.1', port: 1025 },
  helo: 'test', tls: null, user: '', outcome: 'active' as const, outcomeCode: null, outcomeDetail: '', messages: 0, transactions: [], transcript: [],
});

/** A store file and the writer the writer thread runs on it, called directly (no thread). */
export function openWriter(path: string, maxMessages = 100_000): { db: Db; writer: MailWriter } {
  const db = openDatabase({ path });
  return { db, writer: new MailWriter(db, { maxMessages, maxSessions: 1000 }, { sources: ['x-tags'] }) };
}

export interface FillOptions {
  /** The corpus number of the first message (default 0). */
  first?: number;
  /** Messages after the `count`, with this subject and text, on session 0. */
  extra?: ReadonlyArray<readonly [subject: string, text: string]>;
}

/**
 * Ingests the corpus's messages first … first + count - 1 (message n on session n % 20 at
 * STORE_NOW + n), then the `extra` ones, all handed to the writer at once as the writer thread
 * gets them; resolves when every ingest has.
 */
export async function fillWriter(writer: MailWriter, corpus: Corpus, count: number, { first = 0, extra = [] }: FillOptions = {}): Promise<void> {
  const writes: Array<Promise<unknown>> = [];
  for (let n = first; n < first + count; n++) {
    const { raw, parsed, envelope } = corpus.message(n);
    writes.push(Promise.resolve(writer.handle({ op: 'ingest', raw: new Uint8Array(raw), parsed, envelope, session: storeSession(n % 20), now: STORE_NOW + n })));
  }
  extra.forEach(([subject, text], i) => {
    const n = first + count + i;
    const { raw, parsed, envelope } = corpus.message(n);
    writes.push(Promise.resolve(writer.handle({ op: 'ingest', raw: new Uint8Array(raw), parsed: { ...parsed, subject, text }, envelope, session: storeSession(0), now: STORE_NOW + n })));
  });
  await Promise.all(writes);
}
