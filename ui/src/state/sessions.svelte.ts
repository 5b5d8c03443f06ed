import type { Session, SessionSummary } from '../../../server/protocol.js';
import { ApiFailure, api } from '../lib/api.js';
import type { Frame } from '../lib/frames.js';
import { PagedList } from './paged-list.svelte.js';
import { matchesSearch, parseSessionQuery, type SessionSearch, searchParams } from '../lib/session-query.js';

/**
 * Where a deep-linked session (/sessions/ID) stands in the list: `paging` while the list goes to
 * the page its estimated index is on, `found` once its row is loaded, `outside` when the list
 * (as filtered) does not hold it and it is shown pinned above, `gone` when the server no longer has it.
 */
export type LinkState = { id: string; status: 'paging'; index: number } | { id: string; status: 'found' | 'outside' | 'gone' };

/** Every SMTP connection, open ones first, updated live; plus the one open in the detail pane. */
export class SessionsState {
  outcomes = $state.raw<string[]>([]);
  /** The search box's text, what it means, and what is wrong with it. */
  query = $state('');
  search = $state.raw<SessionSearch>({ text: [], outcomes: [] });
  searchError = $state<string | null>(null);
  detail = $state.raw<Session | null>(null);
  detailId = $state<string | null>(null);
  detailError = $state<string | null>(null);
  total = $state(0);
  resetCount = $state(0);
  link = $state.raw<LinkState | null>(null);
  readonly paged: PagedList<SessionSummary>;
  #detailRequest = 0;

  constructor() {
    this.paged = new PagedList<SessionSummary>(async (start, limit) => {
      const outcomes = this.outcomes;
      const search = this.search;
      const answer = await api.sessions(start, limit, [...outcomes, ...search.outcomes], searchParams(search));
      if (outcomes !== this.outcomes || search !== this.search) throw Object.assign(new Error('superseded'), { name: 'AbortError' });
      this.total = answer.total;
      return { items: answer.sessions, total: answer.total };
    });
  }

  load(): Promise<void> {
    return this.paged.refresh();
  }

  /** Filters by outcome buttons and the search box; true when the list is reloaded. */
  filter(outcomes: string[], query = this.query): boolean {
    const next = [...new Set(outcomes)].sort();
    if (next.join(',') === this.outcomes.join(',') && query === this.query) return false;
    const parsed = parseSessionQuery(query);
    this.query = query;
    if ('error' in parsed) {
      this.searchError = parsed.error;
      return false;
    }
    this.searchError = null;
    this.outcomes = next;
    this.search = parsed;
    this.resetCount++;
    void this.paged.reset();
    return true;
  }

  get filtered(): boolean {
    return this.outcomes.length > 0 || this.query.trim() !== '';
  }

  #matches(session: SessionSummary): boolean {
    const outcomes = [...this.outcomes, ...this.search.outcomes];
    return (!outcomes.length || outcomes.includes(session.Outcome)) && matchesSearch(session, this.search);
  }

  apply(frames: readonly Frame[]): void {
    const list = this.paged.list;
    const updates: SessionSummary[] = [];
    let changed = false;
    for (const frame of frames) {
      if (frame.Type === 'reset') {
        list.reset(0);
        this.total = 0;
        updates.length = 0;
        changed = true;
        if (this.detail && this.detail.Outcome !== 'active') this.detail = null;
      } else if (frame.Type === 'session') {
        updates.push(frame.Data);
        if (frame.Data.ID === this.detailId && frame.Data.Outcome !== 'active') void this.#loadDetail(frame.Data.ID);
      }
    }
    if (updates.length) {
      // The latest state of each session in this batch.
      const latest = new Map<string, SessionSummary>();
      for (const s of updates) latest.set(s.ID, s);
      const absent = list.replaceMany([...latest.values()].filter((s) => this.#matches(s)));
      const leaving = [...latest.values()].filter((s) => !this.#matches(s)).map((s) => s.ID);
      if (leaving.length) {
        const known = leaving.filter((id) => list.indexOf(id) >= 0);
        if (known.length) {
          list.remove(known);
          this.total -= known.length;
        }
      }
      const fresh = absent.reverse();
      const added = list.prepend(fresh);
      this.total += added;
      if (added) this.paged.prepended += added;
      changed = true;
    }
    if (changed) this.paged.touch();
  }

  async open(id: string | null): Promise<void> {
    this.detailId = id;
    this.detailError = null;
    if (!id) {
      this.detail = null;
      this.link = null;
      return;
    }
    if (this.detail?.ID !== id) this.detail = null;
    // A row clicked in the list is there already; a link from elsewhere may point past the loaded pages.
    const known = this.paged.list.indexOf(id) >= 0;
    if (this.link?.id !== id) this.link = known ? { id, status: 'found' } : null;
    await this.#loadDetail(id);
    if (!known && this.detail?.ID === id && this.link === null) await this.#locate(this.detail);
  }

  /** The deep-linked row was loaded (the view saw it): stop steering the list towards it. */
  found(id: string): void {
    if (this.link?.id === id && this.link.status !== 'found') this.link = { id, status: 'found' };
  }

  /**
   * Where the list holds a session it has not loaded: the list is newest first, so its index is
   * about the number of sessions (of this filter) that started after it; one request of one row
   * says how many. The list pages there, and the row's real index replaces the estimate once loaded.
   */
  async #locate(session: SessionSummary): Promise<void> {
    const id = session.ID;
    if (!this.#matches(session)) {
      this.link = { id, status: 'outside' };
      return;
    }
    const search = this.search;
    const after = Date.parse(session.Started) + 1;
    try {
      const params = { ...searchParams(search), since: String(Math.max(after, search.since ?? 0)) };
      const { total } = await api.sessions(0, 1, [...this.outcomes, ...search.outcomes], params);
      if (this.detailId === id) this.link = { id, status: 'paging', index: total };
    } catch {
      if (this.detailId === id) this.link = { id, status: 'outside' };
    }
  }

  async #loadDetail(id: string): Promise<void> {
    const request = ++this.#detailRequest;
    try {
      const session = await api.session(id);
      if (request === this.#detailRequest && id === this.detailId) this.detail = session;
    } catch (error) {
      if (request !== this.#detailRequest || id !== this.detailId) return;
      if (error instanceof ApiFailure && error.status === 404) {
        this.detail = null;
        this.link = { id, status: 'gone' };
      } else this.detailError = (error as Error).message;
    }
  }
}
