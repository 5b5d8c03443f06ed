import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './database.js';
import { MailWriter } from './mail-writer.js';
import type { WriterCall, WriterInit, WriterReply } from './writer-protocol.js';

/** Entry point of the writer thread: one database connection, one MailWriter, a message loop. */
const port = parentPort;
if (!port) throw new Error('writer-thread runs as a worker thread');
const post = (reply: WriterReply) => port.postMessage(reply);
const inFlight = new Set<Promise<unknown>>();
let outbox: WriterReply[] = [];

/** Replies finished in one turn go back as one message. */
function reply(message: WriterReply): void {
  if (!outbox.length) {
    setImmediate(() => {
      const batch = outbox;
      outbox = [];
      port!.postMessage(batch);
    });
  }
  outbox.push(message);
}

try {
  const init = workerData as WriterInit;
  const db = openDatabase({ path: init.path });
  // SQLite's own checkpoints run inside a commit; a timer here runs them between batches
  // instead, PASSIVE so they never wait on the reader. The WAL restarts once one has caught up.
  db.pragma('wal_autocheckpoint = 0');
  const checkpoints = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), init.checkpointEveryMs);
  const writer = new MailWriter(db, init.limits, init.tagging);
  writer.sessions.markInterrupted(init.openedAt);
  const handle = (call: WriterCall) => {
    const work = Promise.resolve()
      .then(() => writer.handle(call))
      .then(
        (result) => reply({ id: call.id, ok: true, result }),
        (error: unknown) => reply({ id: call.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  };
  port.on('message', (calls: WriterCall[] | 'close') => {
    if (calls === 'close') {
      // Replies are ordered: once "closed" arrives, every earlier reply has been delivered.
      void Promise.allSettled(inFlight).then(() => {
        clearInterval(checkpoints);
        writer.flush();
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
        // After the last batch of replies (setImmediate callbacks run in order).
        setImmediate(() => post({ id: 0, closed: true }));
      });
      return;
    }
    calls.forEach(handle);
  });
  post({ id: 0, ready: true });
} catch (error) {
  post({ id: 0, fatal: error instanceof Error ? error.message : String(error) });
}
