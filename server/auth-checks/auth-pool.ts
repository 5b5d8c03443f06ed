import type { MessageAuth } from '../protocol.js';
import { siblingModule } from '../util/spawn-thread.js';
import { ThreadCalls } from '../util/thread-calls.js';
import type { AuthCall } from './auth-protocol.js';
import type { AuthCheckInput } from './verify.js';

/** mailauth holds the message and its canonical body (a 25 MiB message: ~100 MB). */
const AUTH_HEAP = { maxOldGenerationSizeMb: 384, maxYoungGenerationSizeMb: 8 };
/** A check running longer is given up (and its thread replaced): DNS is local, so only a huge message takes this long. */
const CHECK_TIMEOUT_MS = 60_000;

/**
 * The message's bytes as the thread gets them without a structured clone (cloning 20 MiB held
 * the event loop for 110-260 ms here): shared memory as it is (the SMTP adapter assembles large
 * messages there), anything else copied once (memcpy, a few ms) into memory that is moved.
 * As server/mail/shared-bytes.ts does for the parse threads.
 */
function movable(raw: Uint8Array): Uint8Array {
  if (raw.buffer instanceof SharedArrayBuffer) return raw;
  const own = new Uint8Array(raw.length);
  own.set(raw);
  return own;
}

/**
 * One auth thread (util/thread-calls.ts), started on the first check: most runs never check a
 * message.
 */
export class AuthPool {
  readonly #calls = new ThreadCalls<Omit<AuthCall, 'call'>, Omit<MessageAuth, 'ID'>>({
    entry: siblingModule(import.meta.url, 'auth-thread'),
    resourceLimits: AUTH_HEAP,
    timeoutMs: CHECK_TIMEOUT_MS,
    name: 'the auth check',
  });

  constructor(private readonly network: boolean) {}

  check(input: AuthCheckInput): Promise<Omit<MessageAuth, 'ID'>> {
    const raw = movable(input.raw);
    return this.#calls.call({ input: { ...input, raw }, network: this.network }, raw.buffer instanceof SharedArrayBuffer ? [] : [raw.buffer as ArrayBuffer]);
  }

  close(): Promise<void> {
    return this.#calls.close();
  }
}
