import type { Frame } from '../lib/frames.js';
import { withBase, withoutBase } from '../lib/base.js';
import { parseRoute, type Route, routePath } from '../lib/router.js';
import { InboxState } from './inbox.svelte.js';
import { LiveFeed } from './live.svelte.js';
import { MessageState } from './message.svelte.js';
import { ScenariosState } from './scenarios.svelte.js';
import { SessionsState } from './sessions.svelte.js';
import { StatsState } from './stats.svelte.js';
import { Preferences } from './preferences.svelte.js';

/** The whole UI's state: the route, the views' states, and the live feed feeding them. */
export class AppState {
  route = $state.raw<Route>(parseRoute(withoutBase(location.pathname), location.search));
  /** Ticks so relative times stay true. */
  now = $state(Date.now());
  version = $state('');
  readonly inbox = new InboxState();
  readonly message = new MessageState();
  readonly sessions = new SessionsState();
  readonly scenarios = new ScenariosState();
  readonly stats = new StatsState();
  readonly preferences = new Preferences();
  /** The keyboard-shortcut overlay is open. */
  shortcutsOpen = $state(false);
  readonly live: LiveFeed;

  constructor() {
    this.live = new LiveFeed(
      (frames) => this.apply(frames),
      () => this.resync(),
    );
  }

  start(): void {
    addEventListener('popstate', () => this.#routeChanged(parseRoute(withoutBase(location.pathname), location.search)));
    setInterval(() => (this.now = Date.now()), 15_000);
    this.live.start();
    this.#routeChanged(this.route, true);
  }

  navigate(route: Route | string, replace = false): void {
    const path = typeof route === 'string' ? route : routePath(route);
    if (withBase(path) !== location.pathname + location.search) {
      if (replace) history.replaceState(null, '', withBase(path));
      else history.pushState(null, '', withBase(path));
    }
    const url = new URL(path, location.origin);
    this.#routeChanged(parseRoute(url.pathname, url.search));
  }

  #routeChanged(route: Route, first = false): void {
    const previous = this.route;
    this.route = route;
    if (route.name === 'inbox') {
      if (first || route.query !== this.inbox.query) {
        if (route.query) this.inbox.search(route.query);
        else if (first) void this.inbox.load();
        else this.inbox.search('');
      }
      void this.message.open(route.messageId);
    } else if (previous.name === 'inbox' && !first) {
      void this.message.open(null);
    }
    if (route.name === 'sessions') {
      if (!this.sessions.paged.loaded || route.outcomes.join(',') !== this.sessions.outcomes.join(',') || route.query !== this.sessions.query) {
        if (!this.sessions.filter(route.outcomes, route.query) && !this.sessions.paged.loaded) void this.sessions.load();
      }
      void this.sessions.open(route.sessionId);
    }
    if (route.name === 'scenarios') void this.scenarios.load();
    if (route.name === 'stats') void this.stats.load();
    // The inbox counts show in the navigation everywhere.
    if (first && route.name !== 'inbox') void this.inbox.load();
  }

  apply(frames: Frame[]): void {
    for (const frame of frames) if (frame.Type === 'stats') this.version = frame.Data.Version;
    this.inbox.apply(frames);
    this.message.apply(frames);
    if (this.sessions.paged.loaded) this.sessions.apply(frames);
    this.scenarios.apply(frames);
    this.stats.apply(frames);
    this.preferences.apply(frames);
  }

  /** After a reconnect: whatever happened meanwhile is reloaded. */
  resync(): void {
    void this.inbox.paged.refresh();
    if (this.sessions.paged.loaded) void this.sessions.paged.refresh();
    if (this.route.name === 'scenarios') void this.scenarios.load();
    if (this.route.name === 'stats') void this.stats.load();
  }
}
