import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnModule } from '../util/spawn-thread.js';

/** bcryptjs holds almost nothing; a small heap keeps the thread at a few MB. */
const BCRYPT_HEAP = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 };

/**
 * One thread that runs bcrypt compares in arrival order, started on the first one and unref'd
 * while idle. A compare never rejects: a dead or stopped thread answers `false` (refused, as a
 * wrong password is), so a login can never pass by accident.
 */
export class BcryptPool {
  #worker: Worker | undefined;
  #next = 1;
  readonly #pending = new Map<number, (ok: boolean) => void>();
  #closed = false;

  compare = (password: string, hash: string): Promise<boolean> => {
    if (this.#closed) return Promise.resolve(false);
    const worker = this.#thread();
    const call = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(call, resolve);
      worker.ref();
      worker.postMessage({ call, password, hash });
    });
  };

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#refuseAll();
    await worker?.terminate();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = spawnModule(siblingModule(import.meta.url, 'bcrypt-thread'), BCRYPT_HEAP);
    worker.unref();
    worker.on('message', ({ call, ok }: { call: number; ok: boolean }) => {
      this.#pending.get(call)?.(ok === true);
      this.#pending.delete(call);
      if (!this.#pending.size) worker.unref();
    });
    worker.on('error', () => this.#refuseAll());
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#refuseAll();
    });
    this.#worker = worker;
    return worker;
  }

  #refuseAll(): void {
    for (const resolve of this.#pending.values()) resolve(false);
    this.#pending.clear();
  }
}
