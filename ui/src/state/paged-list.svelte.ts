import { pageAligned, type WindowRange } from '../lib/windowing.js';
import { type Keyed, WindowedList } from '../lib/windowed-list.js';

export interface PageAnswer<T> {
  items: T[];
  total: number;
}

const MAX_LIMIT = 500;

/**
 * A server-paged list for a virtual list view: loads the pages around what is on screen, at
 * most two requests at a time (the latest wish wins while scrolling fast), keeps the number of
 * loaded rows bounded, and refreshes what is on screen on demand (resync, unknown deletes).
 */
export class PagedList<T extends Keyed> {
  readonly list = new WindowedList<T>();
  /** Bumped on every change of the rows; readers of rows depend on it. */
  version = $state(0);
  length = $state(0);
  /** Rows added at the top so far: the view keeps its scroll position by this. */
  prepended = $state(0);
  loaded = $state(false);
  error = $state<string | null>(null);
  #window: WindowRange = { start: 0, end: 0, visibleStart: 0, visibleEnd: 0 };
  #inflight = 0;
  #wanted = false;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;

  constructor(
    private readonly fetchPage: (start: number, limit: number) => Promise<PageAnswer<T>>,
    private readonly page = 100,
    private readonly maxLoaded = 3000,
  ) {}

  get window(): WindowRange {
    return this.#window;
  }

  /** Call after changing `list` directly. */
  touch(): void {
    this.length = this.list.length;
    this.version++;
  }

  at(index: number): T | undefined {
    void this.version;
    return this.list.get(index);
  }

  setWindow(range: WindowRange): void {
    const w = this.#window;
    if (w.start === range.start && w.end === range.end && w.visibleStart === range.visibleStart && w.visibleEnd === range.visibleEnd) return;
    this.#window = range;
    this.ensure();
  }

  /** Fetches the rows around the window that are not loaded yet. */
  ensure(): void {
    if (this.#inflight >= 2) {
      this.#wanted = true;
      return;
    }
    const { start, end } = this.#window;
    const missing = this.list.missing(Math.max(0, start - this.page / 2), end + this.page / 2);
    if (!missing.length) return;
    const lo = missing[0]![0];
    const hi = missing[missing.length - 1]![1];
    const range = pageAligned(lo, hi, this.page, this.list.length);
    void this.#fetch(range.start, Math.min(range.limit, MAX_LIMIT), false);
  }

  async #fetch(start: number, limit: number, replace: boolean): Promise<void> {
    const ticket = replace ? this.list.invalidate() : this.list.ticket();
    this.#inflight++;
    try {
      const { items, total } = await this.fetchPage(start, limit);
      if (this.list.fill(start, items, total, ticket, replace)) {
        const { start: ws, end: we } = this.#window;
        this.list.evict(ws - MAX_LIMIT, we + MAX_LIMIT, this.maxLoaded);
        this.loaded = true;
        this.error = null;
        this.touch();
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') this.error = (error as Error).message;
    } finally {
      this.#inflight--;
      if (this.#wanted) {
        this.#wanted = false;
        this.ensure();
      }
    }
  }

  /** Reloads what is on screen (and the length) in one request, keeping rows until it answers. */
  refresh(): Promise<void> {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    const { visibleStart, visibleEnd } = this.#window;
    const start = Math.max(0, Math.floor((visibleStart - this.page / 2) / this.page) * this.page);
    const limit = Math.min(MAX_LIMIT, Math.max(this.page, visibleEnd + this.page / 2 - start));
    this.#refreshing = this.#fetch(start, limit, true).finally(() => {
      this.#refreshing = undefined;
      if (this.#refreshAgain) {
        this.#refreshAgain = false;
        this.scheduleRefresh(0);
      } else this.ensure();
    });
    return this.#refreshing;
  }

  /** A refresh soon; many calls within `ms` make one request. */
  scheduleRefresh(ms = 250): void {
    if (this.#refreshTimer !== undefined) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      void this.refresh();
    }, ms);
  }

  /** Forgets everything (new filter, truncate) and loads from the top. */
  reset(): Promise<void> {
    this.list.reset(0);
    this.loaded = false;
    this.touch();
    this.#window = { start: 0, end: 0, visibleStart: 0, visibleEnd: 0 };
    return this.refresh();
  }

  get busy(): boolean {
    return this.#inflight > 0 || this.#refreshTimer !== undefined;
  }
}
