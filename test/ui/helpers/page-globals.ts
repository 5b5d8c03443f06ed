/**
 * The browser globals that callbacks run in the page (page.evaluate) use. The test project
 * compiles without the DOM library, so a callback takes what it needs from
 * `globalThis as unknown as PageGlobals`; the type is erased, the lookup happens in the page.
 */
export interface PageGlobals {
  document: any;
  innerWidth: number;
  innerHeight: number;
  getComputedStyle(element: unknown): { color: string; backgroundColor: string };
  MutationObserver: new (callback: (records: Array<{ target: any }>) => void) => { observe(target: unknown, options: Record<string, boolean>): void };
  Element: new () => any;
  [key: string]: any;
}
