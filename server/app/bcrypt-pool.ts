import { siblingModule } from '../util/spawn-thread.js';
import { ThreadCalls } from '../util/thread-calls.js';

/** bcryptjs holds almost nothing; a small heap keeps the thread at a few MB. */
const BCRYPT_HEAP = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 };
/** A cost-12 compare takes ~1 s; a thread still busy after a minute is stuck (or the hash's cost absurd). */
const COMPARE_TIMEOUT_MS = 60_000;

/**
 * bcrypt compares on one worker thread (server/util/thread-calls.ts: started on the first,
 * unref'd while idle). A compare never rejects: a dead, stuck or stopped thread answers `false`
 * (refused, as a wrong password is), so a login can never pass by accident.
 */
export class BcryptPool {
  readonly #calls = new ThreadCalls<{ password: string; hash: string }, boolean>({
    entry: siblingModule(import.meta.url, 'bcrypt-thread'),
    resourceLimits: BCRYPT_HEAP,
    timeoutMs: COMPARE_TIMEOUT_MS,
    name: 'the bcrypt compare',
  });

  compare = (password: string, hash: string): Promise<boolean> =>
    this.#calls.call({ password, hash }).then(
      (ok) => ok === true,
      () => false,
    );

  close(): Promise<void> {
    return this.#calls.close();
  }
}
