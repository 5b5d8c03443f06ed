import type { MessageSummary } from '../../../server/protocol.js';
import { api } from '../lib/api.js';
import type { Frame } from '../lib/frames.js';
import { PagedList } from './paged-list.svelte.js';

/**
 * The inbox: newest first, paged from the server around what is on screen, updated live.
 * With a search active, live events cannot be matched here (the language is the server's),
 * so they trigger a debounced reload of what is on screen instead.
 */
export class InboxState {
  query = $state('');
  /** Every message, and the unread ones, whatever the search. */
  total = $state(0);
  unread = $state(0);
  /** Unread among the search results (equal to `unread` without a search). */
  matchingUnread = $state(0);
  queryError = $state<string | null>(null);
  selected = $state.raw<ReadonlySet<string>>(new Set());
  cursorId = $state<string | null>(null);
  /** Bumped when the view should jump to the top (a new search). */
  resetCount = $state(0);
  /** The rows at least half on screen (indexes), for "Select on screen". */
  shown = $state.raw({ start: 0, end: 0 });
  readonly paged: PagedList<MessageSummary>;

  constructor() {
    this.paged = new PagedList<MessageSummary>(async (start, limit) => {
      const query = this.query;
      try {
        const answer = await api.messages(query, start, limit);
        if (query !== this.query) throw Object.assign(new Error('superseded'), { name: 'AbortError' });
        this.total = answer.total;
        this.unread = answer.unread;
        this.matchingUnread = answer.messages_unread;
        this.queryError = null;
        return { items: answer.messages, total: answer.messages_count };
      } catch (error) {
        // A query the server refuses is said once, under the box, and the list is honestly
        // empty: it did not run (not "Loading…" forever, not the previous results).
        if (query && query === this.query && (error as { status?: number }).status === 400) {
          this.queryError = (error as Error).message;
          this.matchingUnread = 0;
          return { items: [], total: 0 };
        }
        throw error;
      }
    });
  }

  get length(): number {
    return this.paged.length;
  }

  get cursorIndex(): number {
    void this.paged.version;
    return this.cursorId === null ? -1 : this.paged.list.indexOf(this.cursorId);
  }

  load(): Promise<void> {
    return this.paged.refresh();
  }

  /** Runs a search; the server has the last word on what is valid (it may be lenient, as Mailpit is). */
  search(query: string): void {
    const next = query.trim();
    if (next === this.query) return;
    this.query = next;
    this.queryError = null;
    this.selected = new Set();
    this.cursorId = null;
    this.resetCount++;
    void this.paged.reset();
  }

  /** Applies a batch of live frames in order, coalescing runs of new messages. */
  apply(frames: readonly Frame[]): void {
    const { paged } = this;
    const list = paged.list;
    let changed = false;
    let added = 0;
    let fresh: MessageSummary[] = [];
    const flushFresh = () => {
      if (!fresh.length) return;
      if (this.query) paged.scheduleRefresh();
      else added += list.prepend(fresh.reverse());
      fresh = [];
    };
    for (const frame of frames) {
      if (frame.Type !== 'new') flushFresh();
      switch (frame.Type) {
        case 'new':
          fresh.push(frame.Data);
          this.total++;
          if (!frame.Data.Read) this.unread++;
          break;
        case 'update': {
          // Mailpit's frames: one per message, with its new read flag or its new tags.
          const data = frame.Data;
          const apply = 'Read' in data ? (m: MessageSummary) => (m.Read === data.Read ? m : { ...m, Read: data.Read }) : (m: MessageSummary) => ({ ...m, Tags: data.Tags });
          if (list.update([data.ID], apply)) changed = true;
          if (this.query) paged.scheduleRefresh();
          break;
        }
        case 'delete': {
          const { ID } = frame.Data;
          const { removed, unknown } = list.remove([ID]);
          if (removed || unknown) changed = true;
          if (unknown || this.query) paged.scheduleRefresh();
          if (this.selected.has(ID)) this.selected = new Set([...this.selected].filter((id) => id !== ID));
          break;
        }
        case 'prune':
          paged.scheduleRefresh();
          break;
        case 'truncate':
        case 'reset':
          list.reset(0);
          this.total = this.unread = this.matchingUnread = 0;
          this.selected = new Set();
          this.cursorId = null;
          changed = true;
          break;
        case 'stats':
          this.total = frame.Data.Total;
          this.unread = frame.Data.Unread;
          break;
        default:
          break;
      }
    }
    flushFresh();
    if (added) {
      changed = true;
      paged.prepended += added;
    }
    if (changed) paged.touch();
    if (!this.query) this.matchingUnread = this.unread;
    // The counts say how long the list must be: a gap means events were missed, so resync.
    const last = frames[frames.length - 1];
    if (last?.Type === 'stats' && !this.query && !paged.busy && paged.loaded && list.length !== last.Data.Total) paged.scheduleRefresh();
    if (changed) paged.ensure();
  }

  toggle(id: string): void {
    const next = new Set(this.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.selected = next;
  }

  /** The IDs of the loaded rows a person sees now (at least half on screen). */
  get shownIds(): string[] {
    void this.paged.version;
    const { start, end } = this.shown;
    return this.paged.list.slice(start, end).flatMap((m) => (m ? [m.ID] : []));
  }

  /** Selects exactly the rows on screen: never the overscan rows drawn above and below it. */
  selectShown(): void {
    this.selected = new Set(this.shownIds);
  }

  clearSelection(): void {
    this.selected = new Set();
  }

  /** Moves the keyboard cursor by `step` rows; returns the new index. */
  moveCursor(step: number): number {
    const current = this.cursorIndex;
    const base = current < 0 ? this.paged.window.visibleStart - (step > 0 ? 1 : 0) : current;
    const next = Math.max(0, Math.min(this.length - 1, base + step));
    const item = this.paged.list.get(next);
    if (item) this.cursorId = item.ID;
    return next;
  }

  cursorTo(index: number): void {
    const item = this.paged.list.get(index);
    if (item) this.cursorId = item.ID;
  }

  async remove(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await api.deleteMessages(ids);
    this.selected = new Set([...this.selected].filter((id) => !ids.includes(id)));
  }

  /** Deletes everything, or with a search active what matches it. */
  async removeAll(): Promise<void> {
    if (this.query) await api.deleteSearch(this.query);
    else await api.deleteMessages('all');
    this.selected = new Set();
  }

  /**
   * Opening a message marks it read on the server (Mailpit's GET /api/v1/message/{ID}); the list
   * says so at once rather than only when the update frame comes: a page whose list was fetched
   * before the open showed the row unread, and the message view offered "Mark read".
   */
  noteOpened(id: string): void {
    if (this.paged.list.update([id], (m) => (m.Read ? m : { ...m, Read: true }))) this.paged.touch();
  }

  async markRead(ids: string[], read: boolean): Promise<void> {
    await api.setRead(read, ids);
  }

  /** Marks read what the list shows: every message, or with a search active only its matches. */
  async markListedRead(): Promise<void> {
    await api.setRead(true, this.query ? { search: this.query } : 'all');
  }
}
