import type { Worker } from 'node:worker_threads';
import type { CheckpointInit, CheckpointReply } from './checkpoint-thread.js';
import { spawnThread } from './thread-spawn.js';
import { type Checkpointer, reviveError } from './write-health.js';

/** The checkpoint thread copies the WAL and nothing more: a small heap. */
const CHECKPOINT_HEAP = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 };

/**
 * The writer's side of the checkpoint thread (checkpoint-thread.ts), started with the writer's
 * first call rather than with the store: a store nobody has written to has no WAL to copy, and on
 * this 2-core machine the thread's boot (40-60 ms of CPU, a V8 isolate's RSS) ran beside the
 * writer's own before the store was ready. Until it runs, and if it cannot start or dies, the
 * writer's own connection checkpoints (as it does for an in-memory database, which has no WAL),
 * and the failure is reported once, naming the thread.
 */
export class CheckpointStarter {
  #worker: Worker | undefined;
  #closing = false;
  /** Set once the thread failed: the writer checkpoints from then on. */
  #gaveUp: boolean;

  constructor(
    private readonly init: CheckpointInit,
    private readonly checkpointer: Checkpointer,
  ) {
    this.#gaveUp = init.path === ':memory:';
  }

  /** Called with each call the writer gets; the first starts the thread. */
  start(): void {
    if (this.#worker || this.#gaveUp || this.#closing) return;
    let worker: Worker;
    try {
      worker = spawnThread('checkpoint-thread', this.init, CHECKPOINT_HEAP);
    } catch (error) {
      return this.#lost(error, 'did not start');
    }
    this.#worker = worker;
    let ready = false;
    worker.on('message', (reply: CheckpointReply) => {
      if ('ready' in reply) ready = true;
      if (!('problem' in reply)) return;
      // Before "ready" the thread could not open the database: it will never checkpoint.
      if (ready) this.checkpointer.failed(reviveError(reply.problem));
      else this.#lost(reviveError(reply.problem), 'did not start');
    });
    worker.on('error', (error) => this.#lost(error, 'failed'));
    worker.on('exit', (code) => this.#worker === worker && this.#lost(new Error(`exit code ${code}`), 'stopped'));
  }

  /** The periodic tick: the probe for space while the thread checkpoints, the checkpoint too while it does not. */
  tick(): void {
    if (this.#worker) this.checkpointer.probe();
    else this.checkpointer.tick();
  }

  async close(): Promise<void> {
    this.#closing = true;
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    const closed = new Promise<void>((done) => {
      worker.on('message', (reply: CheckpointReply) => 'closed' in reply && done());
      worker.once('exit', () => done());
    });
    worker.postMessage('close');
    await closed;
    await worker.terminate();
  }

  #lost(error: unknown, what: string): void {
    const cause = error instanceof Error ? error : new Error(String(error));
    this.#gaveUp = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (this.#closing) return;
    void worker?.terminate();
    this.checkpointer.failed(Object.assign(new Error(`the WAL checkpoint thread ${what} (${cause.message}); the writer checkpoints instead`, { cause }), { stack: cause.stack }));
  }
}
