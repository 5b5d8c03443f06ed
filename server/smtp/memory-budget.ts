/** A count of bytes against a limit: take fails past it, give returns what was taken. */
class ByteBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  take(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

/**
 * Large messages spooled to disk as they arrive (data-spool.ts) may hold this many times the
 * memory budget there: they need memory only once whole, and 4 x 256 MiB is ~40 messages at the
 * default size limit arriving together, while a full disk must not be the next failure.
 */
const SPOOL_FACTOR = 4;

/**
 * Bytes that in-flight messages may hold in memory, over every connection of every listener
 * (issue 9, item 11: 40 clients with 20 MiB of unterminated DATA took RSS from 155 to 964 MB):
 * the chunks of a small message until it is stored, a large one's chunks until they are on disk
 * and its bytes once read back. A message that does not fit is read to its end and refused with
 * 452 4.3.1, as Postfix does when its queue file system is full; what it held is released at once.
 */
export class MemoryBudget extends ByteBudget {
  /** Bytes of large messages in their spool files. */
  readonly spool: ByteBudget;

  constructor(limit: number) {
    super(limit);
    this.spool = new ByteBudget(limit * SPOOL_FACTOR);
  }
}
