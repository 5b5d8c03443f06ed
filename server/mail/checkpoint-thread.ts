import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { boundPageCache, READER_CACHE_KIB } from './page-cache.js';
import { serializeError, type SerializedError } from './write-health.js';

export interface CheckpointInit {
  path: string;
  everyMs: number;
}

export type CheckpointReply = { ready: true } | { problem: SerializedError } | { checkpointed: true } | { closed: true };

/**
 * The WAL checkpoint, on its own connection and thread. On the writer thread its copy of the WAL
 * into the database file and the file's fsyncs (3-8 ms each, 6-12 a second under load in issue
 * 14) held up every commit queued behind them: the 20 ms p99 from end of DATA to 250. A PASSIVE
 * checkpoint never takes the write lock (https://sqlite.org/wal.html#checkpointing), so here it
 * runs beside the writer's commits; the writer restarts the WAL (and journal_size_limit cuts the
 * file back) at its next commit after one has caught up.
 */
const port = parentPort;
if (!port) throw new Error('checkpoint-thread runs as a worker thread');
const init = workerData as CheckpointInit;
try {
  const db = new Database(init.path);
  // A checkpoint copies WAL frames to the file; it reads pages through no cache worth keeping.
  boundPageCache(db, READER_CACHE_KIB);
  let lastProblem = '';
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      const problem = serializeError(error);
      if (problem.message === lastProblem && problem.code !== 'SQLITE_FULL') return;
      lastProblem = problem.message;
      port.postMessage({ problem } satisfies CheckpointReply);
    }
  }, init.everyMs);
  port.on('message', (message: 'close') => {
    if (message !== 'close') return;
    clearInterval(timer);
    db.close();
    port.postMessage({ closed: true } satisfies CheckpointReply);
  });
  port.postMessage({ ready: true } satisfies CheckpointReply);
} catch (error) {
  port.postMessage({ problem: serializeError(error) } satisfies CheckpointReply);
}
