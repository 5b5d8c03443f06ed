import type { BounceDetails } from '../protocol.js';
import type { Db } from './database.js';

/** How a stored bounce shows in the message JSON. */
export interface BounceFields {
  IsBounce: boolean;
  Bounce: BounceDetails | null;
  BounceIDs: string[];
}

/**
 * The links between bounces mailsim sent and the messages they report on (migration 5). Writes
 * run on the writer thread inside the message's own transaction; reads on the event loop's
 * read-only connection, joined on messages so that a deleted message's links never show.
 */
export class BounceLinks {
  constructor(private readonly db: Db) {}

  /** Call inside the transaction that inserts the bounce message. */
  insert(bounceId: string, details: BounceDetails): void {
    this.db.prepare('INSERT OR REPLACE INTO bounce_links (bounce_id, original_id, details) VALUES (?, ?, ?)').run(bounceId, details.OriginalID, JSON.stringify(details));
  }

  deleteAll(): void {
    this.db.prepare('DELETE FROM bounce_links').run();
  }

  fieldsOf(id: string): BounceFields {
    const details = this.db.prepare('SELECT details FROM bounce_links WHERE bounce_id = ?').pluck().get(id) as string | undefined;
    const bounceIds = this.db
      .prepare('SELECT b.bounce_id FROM bounce_links b JOIN messages m ON m.id = b.bounce_id WHERE b.original_id = ? ORDER BY m.seq')
      .pluck()
      .all(id) as string[];
    return { IsBounce: details !== undefined, Bounce: details ? (JSON.parse(details) as BounceDetails) : null, BounceIDs: bounceIds };
  }
}
