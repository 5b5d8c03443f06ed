import type { Statement } from 'better-sqlite3';
import { baseMaildrop, maildropName } from '../ports/maildrops.js';
import type { Db } from './database.js';
import type { MessageStore } from './message-store.js';

/**
 * A POP3 UPDATE (RFC 1939 §6) on the writer thread: the messages leave `mailbox`. A row is kept
 * per envelope recipient that put the message there (the address itself, or a sub-address of
 * it, see baseMaildrop), so `bounce@x` deleting a message for `bounce+7@x` also empties
 * `bounce+7@x`'s view: one mailbox, as on a real server. A message addressed to several
 * recipients stays in the other maildrops (and in the UI) until each has been deleted; the last
 * deletion deletes the message from the store, which the caller announces as `message.deleted`.
 * Returns those IDs.
 */
export function removeFromMaildrop(db: Db, messages: MessageStore, mailbox: string, ids: readonly string[]): string[] {
  const s = statements(db);
  const gone: string[] = [];
  for (const id of ids) {
    const envelope = s.envelope.get(id) as string | undefined;
    if (envelope === undefined) continue;
    const addresses = JSON.parse(envelope) as string[];
    const recipients = new Set(addresses.map(maildropName));
    const here = addresses.filter((address) => maildropName(address) === mailbox || baseMaildrop(address) === mailbox);
    if (!here.length) continue;
    for (const address of here) s.remove.run(id, maildropName(address));
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
