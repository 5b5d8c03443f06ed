import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { sortTags } from './tags.js';

import type { TagRenameResult } from '../ports/mailbox.js';

/**
 * The `tags` and `message_tags` tables (migration 2). A tag is a row of its own, its name unique
 * without regard to case (`COLLATE NOCASE`, as Mailpit); messages link to tags by `seq`, like
 * their raw bytes and search text. Tags no message uses any more are deleted, so the tag list
 * only names tags that find something.
 */
export class TagStore {
  readonly #upsert: Statement<[string]>;
  readonly #link: Statement<[number, number]>;
  readonly #statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db) {
    // DO UPDATE (to the same value) rather than DO NOTHING, so RETURNING also answers for a tag
    // that exists, with the spelling it was first stored in.
    this.#upsert = db.prepare('INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = tags.name RETURNING id, name');
    this.#link = db.prepare('INSERT OR IGNORE INTO message_tags (seq, tag_id) VALUES (?, ?)');
  }

  #prepare(sql: string): Statement<unknown[]> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[]>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Call inside a transaction. Returns the tags as stored (an existing tag keeps its spelling). */
  attach(seq: number, tags: readonly string[]): string[] {
    const stored: string[] = [];
    for (const tag of tags) {
      const row = this.#upsert.get(tag) as { id: number; name: string };
      this.#link.run(seq, row.id);
      stored.push(row.name);
    }
    return sortTags(stored);
  }

  /** Every tag some message carries, in case-insensitive order. */
  list(): string[] {
    return this.#prepare('SELECT name FROM tags WHERE messages > 0 ORDER BY name')
      .pluck()
      .all() as string[];
  }

  /** Tag name → number of messages carrying it (`Tags` of /api/v1/info), as the triggers keep it (database.ts). */
  counts(): Record<string, number> {
    const rows = this.#prepare('SELECT name, messages AS n FROM tags WHERE messages > 0 ORDER BY name').all() as Array<{ name: string; n: number }>;
    return Object.fromEntries(rows.map((row) => [row.name, row.n]));
  }

  /** The stored spelling of a tag, looked up without regard to case. */
  find(name: string): { id: number; name: string } | undefined {
    return this.#prepare('SELECT id, name FROM tags WHERE name = ?').get(name) as { id: number; name: string } | undefined;
  }

  /** Replaces the tags of one message; returns whether anything changed. */
  replace(seq: number, tags: readonly string[]): boolean {
    const before = this.#ofMessage(seq);
    this.#prepare('DELETE FROM message_tags WHERE seq = ?').run(seq);
    const after = this.attach(seq, tags);
    return before.join('\n').toLowerCase() !== after.join('\n').toLowerCase();
  }

  #ofMessage(seq: number): string[] {
    return this.#prepare('SELECT t.name FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE mt.seq = ? ORDER BY t.name').pluck().all(seq) as string[];
  }

  /** Message seqs carrying a tag. */
  seqsWith(tagId: number): number[] {
    return this.#prepare('SELECT seq FROM message_tags WHERE tag_id = ?').pluck().all(tagId) as number[];
  }

  rename(from: string, to: string): TagRenameResult {
    const tag = this.find(from);
    if (!tag) return 'not-found';
    const clash = this.find(to);
    if (clash && clash.id !== tag.id) return 'exists';
    this.#prepare('UPDATE tags SET name = ? WHERE id = ?').run(to, tag.id);
    return 'ok';
  }

  /** Removes a tag from every message (the messages stay). */
  remove(tagId: number): void {
    this.#prepare('DELETE FROM message_tags WHERE tag_id = ?').run(tagId);
    this.#prepare('DELETE FROM tags WHERE id = ?').run(tagId);
  }

  /** Unlinks messages seq in [from, to] from their tags; true when any had tags. */
  detachRange(from: number, to: number): boolean {
    return this.#prepare('DELETE FROM message_tags WHERE seq BETWEEN ? AND ?').run(from, to).changes > 0;
  }

  /** Deletes tags no message carries. */
  pruneUnused(): void {
    this.#prepare('DELETE FROM tags WHERE messages <= 0').run();
  }

  /** Delete-all, after message_tags was replaced by an empty one (table-discard.ts). */
  clear(): void {
    this.db.exec('DELETE FROM tags;');
  }
}
