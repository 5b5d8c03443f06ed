import type { Statement } from 'better-sqlite3';
import { maildropName } from '../ports/maildrops.js';
import type { Db } from './database.js';
import type { MessageStore } from './message-store.js';

/**
 * A POP3 UPDATE (RFC 1939 §6) on the writer thread: the messages leave `mailbox`. A message
 * addressed to several recipients stays in the other maildrops (and in the UI) until each of
 * them has deleted it; the last deletion deletes the message from the store, which the caller
 * announces as `message.deleted`. Returns those IDs.
 */
export function removeFromMaildrop(db: Db, messages: MessageStore, mailbox: string, ids: readonly string[]): string[] {
  const s = statements(db);
  const gone: string[] = [];
  for (const id of ids) {
    const envelope = s.envelope.get(id) as string | undefined;
    if (envelope === undefined) continue;
    const recipients = new Set((JSON.parse(envelope) as string[]).map(maildropName));
    if (!recipients.has(mailbox)) continue;
    s.remove.run(id, mailbox);
    const removed = new Set(s.removedFrom.all(id) as string[]);
    if ([...recipients].every((recipient) => removed.has(recipient))) gone.push(id);
  }
  const deleted = messages.delete(gone);
  // Rows of messages deleted here, from the UI, by retention or by a reset.
  s.sweep.run();
  return deleted;
}

const cache = new WeakMap<Db, ReturnType<typeof prepare>>();

function statements(db: Db) {
  let prepared = cache.get(db);
  if (!prepared) cache.set(db, (prepared = prepare(db)));
  return prepared;
}

function prepare(db: Db): Record<'envelope' | 'remove' | 'removedFrom' | 'sweep', Statement<unknown[]>> {
  return {
    envelope: db.prepare<unknown[]>('SELECT envelope_to FROM messages WHERE id = ?').pluck(),
    remove: db.prepare<unknown[]>('INSERT OR IGNORE INTO maildrop_removed (message_id, mailbox) VALUES (?, ?)'),
    removedFrom: db.prepare<unknown[]>('SELECT mailbox FROM maildrop_removed WHERE message_id = ?').pluck(),
    // Qualified: messages has a message_id column of its own (the Message-ID header).
    sweep: db.prepare<unknown[]>('DELETE FROM maildrop_removed WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = maildrop_removed.message_id)'),
  };
}
