/**
 * Bytes that in-flight messages may hold in memory, over every connection of every listener
 * (issue 9, item 11: 40 clients with 20 MiB of unterminated DATA took RSS from 155 to 964 MB).
 * A message that does not fit is read to its end and refused with 452 4.3.1, as Postfix does
 * when its queue file system is full; what it held is released at once.
 */
export class MemoryBudget {
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
