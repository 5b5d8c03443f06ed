export interface Keyed {
  ID: string;
}

/** Taken when a page is requested; handed back with the answer to place it correctly. */
export interface Ticket {
  generation: number;
  prepended: number;
}

/**
 * A long list of which only some rows are loaded: the length is known, rows arrive in pages,
 * new rows arrive at the top live. Loaded rows sit in a map by index, so memory depends on what
 * was loaded, never on the length (50,000 messages cost 50,000 nothing), and moving rows on a
 * prepend or delete costs as much as the loaded rows.
 *
 * Pages fetched while rows were prepended are shifted by the count prepended since (tickets);
 * a reset (new search, truncate, resync) invalidates every page in flight.
 */
export class WindowedList<T extends Keyed> {
  #items = new Map<number, T>();
  #length = 0;
  #generation = 0;
  #prepended = 0;

  get length(): number {
    return this.#length;
  }

  get loaded(): number {
    return this.#items.size;
  }

  get generation(): number {
    return this.#generation;
  }

  get(index: number): T | undefined {
    return this.#items.get(index);
  }

  indexOf(id: string): number {
    for (const [index, item] of this.#items) if (item.ID === id) return index;
    return -1;
  }

  find(id: string): T | undefined {
    for (const item of this.#items.values()) if (item.ID === id) return item;
    return undefined;
  }

  ticket(): Ticket {
    return { generation: this.#generation, prepended: this.#prepended };
  }

  /** Forgets every row; pages in flight are dropped when they arrive. */
  reset(length = 0): void {
    this.#items.clear();
    this.#length = Math.max(0, length);
    this.#generation++;
  }

  /** Invalidates pages in flight but keeps the rows on screen until fresh ones replace them. */
  invalidate(): Ticket {
    this.#generation++;
    return this.ticket();
  }

  /**
   * Places a page fetched with `ticket` at `start`; `total` is the list length the server
   * reported. `replace` drops every other row first (a resync). False if the page is stale.
   */
  fill(start: number, items: readonly T[], total: number, ticket: Ticket, replace = false): boolean {
    if (ticket.generation !== this.#generation) return false;
    const shift = this.#prepended - ticket.prepended;
    if (replace) this.#items.clear();
    const at = start + shift;
    const ids = new Set(items.map((item) => item.ID));
    // A row can only be in one place: drop older copies that the new page moved.
    for (const [index, item] of this.#items) if (ids.has(item.ID) && (index < at || index >= at + items.length)) this.#items.delete(index);
    items.forEach((item, i) => this.#items.set(at + i, item));
    this.#length = Math.max(total + shift, at + items.length);
    return true;
  }

  /** New rows at the top, newest first; rows already loaded are skipped. Returns how many went in. */
  prepend(items: readonly T[]): number {
    const known = new Set<string>();
    for (const item of this.#items.values()) known.add(item.ID);
    const fresh: T[] = [];
    for (const item of items) {
      if (known.has(item.ID)) continue;
      known.add(item.ID);
      fresh.push(item);
    }
    const n = fresh.length;
    if (!n) return 0;
    const moved = new Map<number, T>();
    fresh.forEach((item, i) => moved.set(i, item));
    for (const [index, item] of this.#items) moved.set(index + n, item);
    this.#items = moved;
    this.#length += n;
    this.#prepended += n;
    return n;
  }

  /**
   * Removes rows by ID. `unknown` counts IDs that were not loaded: the list is shorter by them
   * too, but where they were is unknown, so the caller should refresh what is on screen.
   */
  remove(ids: Iterable<string>): { removed: number; unknown: number } {
    const wanted = new Set(ids);
    if (!wanted.size) return { removed: 0, unknown: 0 };
    const gone: number[] = [];
    for (const [index, item] of this.#items) if (wanted.has(item.ID)) gone.push(index);
    gone.sort((a, b) => a - b);
    if (gone.length) {
      const moved = new Map<number, T>();
      const removedSet = new Set(gone);
      for (const [index, item] of this.#items) {
        if (removedSet.has(index)) continue;
        moved.set(index - countBelow(gone, index), item);
      }
      this.#items = moved;
    }
    this.#length = Math.max(0, this.#length - wanted.size);
    return { removed: gone.length, unknown: wanted.size - gone.length };
  }

  /** Replaces loaded rows in place; returns how many changed. */
  update(ids: Iterable<string> | null, change: (item: T) => T): number {
    const wanted = ids === null ? null : new Set(ids);
    let changed = 0;
    for (const [index, item] of this.#items) {
      if (wanted && !wanted.has(item.ID)) continue;
      const next = change(item);
      if (next !== item) {
        this.#items.set(index, next);
        changed++;
      }
    }
    return changed;
  }

  /** Replaces the row with the same ID, if loaded. */
  replace(item: T): boolean {
    const index = this.indexOf(item.ID);
    if (index < 0) return false;
    this.#items.set(index, item);
    return true;
  }

  /** Replaces loaded rows by ID in one pass; returns the items that were not loaded. */
  replaceMany(items: readonly T[]): T[] {
    const at = new Map<string, number>();
    for (const [index, item] of this.#items) at.set(item.ID, index);
    const absent: T[] = [];
    for (const item of items) {
      const index = at.get(item.ID);
      if (index === undefined) absent.push(item);
      else this.#items.set(index, item);
    }
    return absent;
  }

  /** Ranges in [start, end) with rows not loaded yet. */
  missing(start: number, end: number): Array<[number, number]> {
    const ranges: Array<[number, number]> = [];
    const to = Math.min(end, this.#length);
    let open = -1;
    for (let i = Math.max(0, start); i < to; i++) {
      if (this.#items.has(i)) {
        if (open >= 0) ranges.push([open, i]);
        open = -1;
      } else if (open < 0) open = i;
    }
    if (open >= 0) ranges.push([open, to]);
    return ranges;
  }

  /** Keeps memory bounded: past `max` loaded rows, forgets those outside [keepStart, keepEnd). */
  evict(keepStart: number, keepEnd: number, max: number): number {
    if (this.#items.size <= max) return 0;
    let dropped = 0;
    for (const index of [...this.#items.keys()]) {
      if (index < keepStart || index >= keepEnd) {
        this.#items.delete(index);
        dropped++;
      }
    }
    return dropped;
  }

  /** Rows [start, end) as loaded (undefined where not yet). */
  slice(start: number, end: number): Array<T | undefined> {
    const out: Array<T | undefined> = [];
    for (let i = Math.max(0, start); i < Math.min(end, this.#length); i++) out.push(this.#items.get(i));
    return out;
  }
}

/** How many of the sorted numbers are below `value`. */
function countBelow(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
