import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './database.js';
import { MailWriter } from './mail-writer.js';
import { boundPageCache, WRITER_CACHE_KIB } from './page-cache.js';
import { Checkpointer, serializeError, WriteHealth } from './write-health.js';
import { CheckpointStarter } from './checkpoint-starter.js';
import { releaseBytes } from './shared-bytes.js';
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

/** How long the writer must have had no calls before it does a step of its idle work. */
const INDEX_IDLE_MS = 20;

try {
  const init = workerData as WriterInit;
  const db = openDatabase({ path: init.path });
  // SQLite's own checkpoints run inside a commit; the checkpoint thread runs them beside the
  // commits instead (checkpoint-thread.ts), PASSIVE so they never wait on a reader or the writer.
  // The WAL restarts once one has caught up. An in-memory database has no WAL.
  db.pragma('wal_autocheckpoint = 0');
  // After a checkpoint has caught up, the WAL file is cut back to this; without it the file
  // stays at its largest (a burst, a large delete) until close.
  db.pragma('journal_size_limit = 67108864');
  boundPageCache(db, WRITER_CACHE_KIB);
  // Announced at once, not batched: the mailbox must know before it hands out the next reply.
  const health = new WriteHealth((state) => post({ id: 0, health: state }));
  const checkpointer = new Checkpointer(db, health, (error) => post({ id: 0, problem: error }));
  const checkpoints = new CheckpointStarter({ path: init.path, everyMs: init.checkpointEveryMs }, checkpointer);
  // On this connection: the probe for space while the store is full (a write), and the
  // checkpoint itself while the thread does not run (not yet, or no more).
  const ticks = setInterval(() => checkpoints.tick(), init.checkpointEveryMs);
  const writer = new MailWriter(db, init.limits, init.tagging);
  writer.sessions.markInterrupted(init.openedAt);
  // The search index is written, and freed pages given back, while no calls come
  // (search-index.ts, database.ts), a chunk per tick, until caught up with the last call.
  let lastCall = 0;
  let indexBehind = true;
  const indexing = setInterval(() => {
    if (!indexBehind || Date.now() - lastCall < INDEX_IDLE_MS) return;
    try {
      indexBehind = writer.idleStep();
    } catch (error) {
      checkpointer.failed(error);
    }
  }, INDEX_IDLE_MS);
  const handle = (call: WriterCall) => {
    checkpoints.start();
    lastCall = Date.now();
    indexBehind = true;
    const work = Promise.resolve()
      .then(() => writer.handle(call))
      .then(
        (result) => {
          if (call.op === 'ingest') health.succeeded();
          reply({ id: call.id, ok: true, result });
        },
        (error: unknown) => {
          health.failed(error, call.op === 'ingest' ? call.raw.byteLength : 0);
          reply({ id: call.id, ok: false, error: serializeError(error) });
        },
      )
      .finally(() => {
        inFlight.delete(work);
        // Committed or refused, the message's bytes are done with: their memory goes now.
        if (call.op === 'ingest') releaseBytes(call.raw);
      });
    inFlight.add(work);
  };
  port.on('message', (calls: WriterCall[] | 'close') => {
    if (calls === 'close') {
      // Replies are ordered: once "closed" arrives, every earlier reply has been delivered.
      void Promise.allSettled(inFlight).then(async () => {
        clearInterval(ticks);
        await checkpoints.close().catch(() => {});
        clearInterval(indexing);
        writer.flush();
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          // A full disk: the WAL stays, SQLite replays it on the next open.
        }
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
  post({ id: 0, fatal: serializeError(error) });
}
