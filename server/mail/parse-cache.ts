import type { ParsedMessage } from './message-parser.js';

/**
 * The last few messages parsed in a parse thread. Opening one message costs a parse for the view
 * and another for each inline image the preview loads: with the parse kept, the images are
 * cheap. A parsed message holds about three times its raw size (decoded parts, UTF-16 text), so
 * the cache is bounded by raw bytes as well as entries.
 */
export class ParseCache {
  readonly #entries = new Map<string, { parsed: Promise<ParsedMessage>; bytes: number }>();
  #bytes = 0;

  constructor(
    private readonly maxEntries = 8,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  get(id: string, size: number, parse: () => Promise<ParsedMessage>): Promise<ParsedMessage> {
    const hit = this.#entries.get(id);
    if (hit) {
      // Most recently used last.
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit.parsed;
    }
    const parsed = parse();
    if (size > this.maxBytes) return parsed;
    this.#entries.set(id, { parsed, bytes: size });
    this.#bytes += size;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
    return parsed;
  }
}
