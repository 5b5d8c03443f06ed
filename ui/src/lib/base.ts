/**
 * Where the server mounted the UI (--webroot): the page's <base href>, which mailsim writes into
 * index.html ("/mail/"), without its final slash ("/mail"; "" at the root). Every absolute path
 * the UI builds (API calls, links, the live feed, history entries) goes through `withBase`.
 */
function basePath(): string {
  const href = typeof document === 'undefined' ? null : document.querySelector('base')?.getAttribute('href');
  return href && href.startsWith('/') ? href.replace(/\/+$/, '') : '';
}

export const BASE = basePath();

/** "/api/v1/info" → "/mail/api/v1/info"; anything not an absolute path is left as it is. */
export function withBase(path: string): string {
  return path.startsWith('/') && !path.startsWith('//') ? `${BASE}${path}` : path;
}

/** "/mail/message/x" → "/message/x"; a path outside the base is returned as it is. */
export function withoutBase(path: string): string {
  if (!BASE) return path;
  if (path === BASE) return '/';
  return path.startsWith(`${BASE}/`) ? path.slice(BASE.length) : path;
}
