import type { RequestHandler } from 'express';

/**
 * Mailpit's --api-cors: the API answers browsers on the listed origins' hosts (or `*`, any)
 * with CORS headers, so a test page served elsewhere can read captured mail through fetch. It
 * is an opt-in that widens who may read the mail, so it covers /api/ only (never the UI or
 * /view pages) and an origin must match a listed host name exactly.
 */
export interface CorsOptions {
  /** Host names (`app.test`, `localhost`) or `*`; empty turns CORS off. */
  allowedHosts: readonly string[];
}

/** Whether `origin` (an Origin header) may use the API under `options`. */
export function corsAllows(origin: string | undefined, options: CorsOptions | undefined): boolean {
  if (!origin || !options?.allowedHosts.length) return false;
  if (options.allowedHosts.includes('*')) return origin !== 'null';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return options.allowedHosts.includes(hostName(url.host));
}

export function isApiPath(url: string | undefined): boolean {
  return (url ?? '/').split('?')[0]!.startsWith('/api/');
}

/** Adds the CORS headers on /api/ and answers preflights (OPTIONS) itself. */
export function corsMiddleware(options: CorsOptions): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    // req.url: below --webroot, where the app is mounted (originalUrl keeps the prefix).
    if (!isApiPath(req.url) || !corsAllows(origin, options)) return next();
    res.set({
      'Access-Control-Allow-Origin': options.allowedHosts.includes('*') ? '*' : origin!,
      'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization',
      Vary: 'Origin',
    });
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  };
}

/** The host name of a host[:port] ("[::1]:8025" → "[::1]", "Example.test:80" → "example.test"), as security.ts compares Host headers. */
function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.replace(/:\d*$/, '');
}

/** "a.test, B.test:8025" → host names as compared with Host and Origin headers. */
export function parseHostList(text: string): string[] | undefined {
  const hosts = text.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (!hosts.length) return undefined;
  return hosts.map((h) => (h === '*' ? h : hostName(h)));
}
