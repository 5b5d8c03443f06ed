import type { Page } from 'playwright-core';
import type { PageGlobals } from './page-globals.js';

/**
 * A page kept from test to test within a file (useBrowserSim): loading the UI until it is live
 * costs ~0.8 s of CPU (most of it chromium's: the document, the bundle, the first render, the
 * live feed), a route change inside the app next to nothing. So a file loads its page once and
 * each test reaches its view as a user does, through the app's router; between tests the page is
 * put back to what a fresh load shows (see `settle`), or replaced by a fresh one when it cannot be.
 */
interface Kept {
  /** What a fresh load showed, outside the view (see `fingerprint`); unset until the first load. */
  baseline?: string;
}
const kept = new WeakMap<Page, Kept>();

/** A route no view answers: going there unmounts every view and its component state. */
const NOWHERE = '/__test-between-tests';
/** A search that differs from any a test makes: routes through it make the lists reload from the server. */
const ELSEWHERE = '__test_between_tests__';

export function keepPage(page: Page): void {
  kept.set(page, {});
}

/** The page is kept and has loaded the UI once: openLive may route inside the app. */
export function loadedKept(page: Page): boolean {
  return kept.get(page)?.baseline !== undefined;
}

/** Called by openLive after a full load of a kept page, once it is live: what a fresh page looks like. */
export async function noteLoaded(page: Page): Promise<void> {
  const entry = kept.get(page);
  if (entry && entry.baseline === undefined) entry.baseline = await fingerprint(page);
}

/**
 * The app's own route change (history.pushState and the popstate event its router listens to,
 * what its links and app.navigate do too), not a new document.
 */
export async function routeInApp(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    const { history, dispatchEvent, PopStateEvent } = globalThis as unknown as PageGlobals;
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

/**
 * Everything a test may leave behind outside the view, which routing does not undo: the document's
 * attributes (the theme), the colour scheme the page is emulated in, the header and the overlays
 * (a menu or dialog left open, a confirmation, the live feed's state; the unread count and the
 * current view's mark are left out, they follow the store and the route), storage, and focus.
 */
function fingerprint(page: Page): Promise<string> {
  return page.evaluate(() => {
    const { document, localStorage, sessionStorage, matchMedia } = globalThis as unknown as PageGlobals;
    const root = document.documentElement;
    const shell = document.querySelector('.shell')?.cloneNode(true);
    shell?.querySelector('main')?.remove();
    for (const count of shell?.querySelectorAll('nav .count') ?? []) count.remove();
    for (const link of shell?.querySelectorAll('[aria-current]') ?? []) link.removeAttribute('aria-current');
    // An empty style attribute is what a style once set and unset leaves (the inputs' own, on a redraw).
    for (const styled of shell?.querySelectorAll('[style=""]') ?? []) styled.removeAttribute('style');
    const entries = (storage: { length: number; key(i: number): string | null; getItem(k: string): string | null }) =>
      Array.from({ length: storage.length }, (_, i) => storage.key(i) ?? '')
        .sort()
        .map((key) => [key, storage.getItem(key)]);
    return JSON.stringify([
      root.getAttributeNames().map((name: string) => [name, root.getAttribute(name)]),
      matchMedia('(prefers-color-scheme: dark)').matches,
      shell?.outerHTML ?? null,
      entries(localStorage),
      entries(sessionStorage),
      document.activeElement === document.body || document.activeElement === null,
    ]);
  });
}

/**
 * Between tests (after the store's reset): every view unmounted, the inbox's search, selection
 * and cursor and the sessions' filter dropped (routes through another search make both lists
 * reload from the server on the next visit, as a fresh load fetches them), focus and scroll back
 * at the top. True if the page now looks as a fresh load did; false if a test left something
 * routing cannot undo (the page is then replaced).
 */
export async function settle(page: Page, viewport: { width: number; height: number }): Promise<boolean> {
  const entry = kept.get(page);
  if (entry?.baseline === undefined || page.isClosed()) return false;
  const size = page.viewportSize();
  if (size?.width !== viewport.width || size.height !== viewport.height) return false;
  try {
    // Another document (a preview page, another site): only a fresh load brings the app back.
    if (!(await page.evaluate('document.querySelector(".shell") !== null'))) return false;
    for (const path of [NOWHERE, `/?q=${ELSEWHERE}`, `/sessions?q=${ELSEWHERE}`, NOWHERE]) await routeInApp(page, path);
    await page.evaluate(() => {
      const { document, scrollTo } = globalThis as unknown as PageGlobals;
      document.activeElement?.blur?.();
      scrollTo(0, 0);
    });
    await page.getByText(`No page at ${NOWHERE}`).waitFor({ timeout: 5000 });
    return (await fingerprint(page)) === entry.baseline;
  } catch {
    // A page that no longer answers (closed, navigated away to another site): a fresh one.
    return false;
  }
}
