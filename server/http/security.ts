import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { codeForStatus } from '../errors/catalogue.js';
import { apiError } from './errors.js';
import type { CredentialCheck } from '../util/htpasswd.js';
import { type CorsOptions, corsAllows, isApiPath } from './cors.js';

export interface UiAuth {
  user: string;
  password: string;
}

export interface SecurityOptions {
  /** The address the HTTP listener is bound to; read per request because port 0 resolves late. */
  boundHost: () => string;
  auth?: UiAuth | undefined;
  /** Users of --ui-auth, --ui-auth-file and MP_UI_AUTH (htpasswd entries, bcrypt included); see authorizeRequest. */
  credentials?: CredentialCheck | undefined;
  /** --webroot without its final slash ("/mail"); the checks read paths below it. */
  webroot?: string | undefined;
  /** --allowed-hosts: Host names accepted besides loopback ones (a reverse proxy forwarding its own Host). */
  allowedHosts?: readonly string[];
  /** --api-cors: origins whose browsers may use /api/ (server/http/cors.ts). */
  cors?: CorsOptions;
}

export interface Refusal {
  status: 401 | 403;
  message: string;
  headers?: Record<string, string>;
}

/** What a request looks like to the checks: Express requests and upgrade requests alike. */
export interface RequestLike {
  url?: string | undefined;
  method?: string | undefined;
  headers: IncomingHttpHeaders;
}

/**
 * Chromium sends `Origin: null` even on plain image loads from sandboxed frames, such as our own
 * message preview loading inline cid: parts. A GET that the page cannot read (no-cors) is what
 * any site may do without an Origin at all, so such a request is treated like one without.
 */
function opaqueButHarmless(request: RequestLike): boolean {
  const method = (request.method ?? 'GET').toUpperCase();
  return request.headers.origin === 'null' && (method === 'GET' || method === 'HEAD') && request.headers['sec-fetch-mode'] === 'no-cors';
}

/** A message part: what the HTML preview and a directly opened /view page load as inline images. */
const PART_PATH = /^\/api\/v1\/message\/[^/]+\/part\/[^/]+$/;

/**
 * Fetch Metadata (W3C): a browser marks each request with where it came from. Chromium, opening
 * our preview's sandboxed srcdoc frame or a /view page (CSP sandbox: opaque origins), sends
 * `Sec-Fetch-Site: cross-site` (with `Origin: null` from the srcdoc frame) for every image it
 * loads, and a page on another site sends `cross-site` (or `same-site`: another port of the same
 * host) for everything, an <img src=".../api/v1/message/latest"> included, which marked a
 * message read. Such a request may be:
 * - a top-level navigation to a page (a link to the UI or a /view page, followed by a user), or
 * - an image load of a message part (the inline images of the preview and of /view pages);
 * anything else, the API above all, is refused. Requests marked same-origin or none (typed,
 * bookmarked) pass, and so do clients that send no such header (curl, API clients, Node's
 * fetch), which keeps Mailpit's read-on-GET for them.
 */
function crossSiteRefusal(request: RequestLike): Refusal | null {
  const { headers } = request;
  const site = headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return null;
  const path = (request.url ?? '/').split('?')[0]!;
  const method = (request.method ?? 'GET').toUpperCase();
  const mode = headers['sec-fetch-mode'];
  const dest = headers['sec-fetch-dest'];
  if (mode === 'navigate' && dest === 'document' && !path.startsWith('/api/')) return null;
  if ((method === 'GET' || method === 'HEAD') && mode === 'no-cors' && dest === 'image' && PART_PATH.test(path)) return null;
  const from = headers.origin === 'null' || headers.origin === undefined ? 'a sandboxed frame or another site' : headers.origin;
  return { status: 403, message: `refused: a ${site} request (Sec-Fetch-Site) from ${from} may only follow a link to a page or load a message part as an image` };
}

/** Health probes stay reachable without credentials (they reveal nothing). */
const NO_AUTH_PATHS = new Set(['/livez', '/readyz']);

/** "127.0.0.1", "::1", "localhost": addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || /^::ffff:127\./.test(bare);
}

/** The host name of a Host header ("[::1]:8025" → "[::1]", "Example.test:80" → "example.test"). */
export function hostName(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.replace(/:\d*$/, '');
}

/** Names a DNS rebinding attack cannot point at us: localhost, *.localhost, 127.x.y.z, [::1]. */
export function isLoopbackHostName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || name === '[::1]';
}

/**
 * Same origin means the Origin's host:port is the Host the browser sent; the scheme may be
 * https when a TLS-terminating proxy sits in front. `null` (sandboxed frames, privacy contexts)
 * is never same-origin.
 */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const normal = (value: string) => value.toLowerCase().replace(new RegExp(`:${defaultPort}$`), '');
  return normal(url.host) === normal(host.trim());
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Checks HTTP basic credentials in constant time. */
export function credentialsMatch(header: string | undefined, auth: UiAuth): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return timingSafeEqual(digest(decoded), digest(`${auth.user}:${auth.password}`));
}

/**
 * The browser-facing safety checks, shared by the REST API, the static UI and the WebSocket
 * upgrade:
 * - a request with an Origin must come from our own origin: a page on another site must not
 *   read captured mail or drive the API (cross-site WebSocket hijacking, GHSA-524m-q5m7-79mm);
 *   clients that send no Origin (curl, test suites, Mailpit API clients) are not browsers and pass;
 * - a request the browser marks cross-site or same-site (Sec-Fetch-Site) may only navigate to a
 *   page or load a message part as an image: not even a GET of the API (crossSiteRefusal);
 * - while the listener is bound to loopback, the Host must be a loopback name (DNS rebinding);
 * - with --ui-auth, HTTP basic credentials for everything except the health probes.
 */
export function checkRequest(request: RequestLike, options: SecurityOptions): Refusal | null {
  const { headers } = request;
  const host = headers.host;
  if (host !== undefined && isLoopbackAddress(options.boundHost()) && !isLoopbackHostName(hostName(host)) && !options.allowedHosts?.includes(hostName(host))) {
    return { status: 403, message: `refused: Host "${host}" is not a loopback name, and mailsim only listens on loopback (DNS rebinding protection); use http://localhost or http://127.0.0.1, or name it in --allowed-hosts` };
  }
  const origin = headers.origin;
  // An origin named in --api-cors may use the API, as in Mailpit; nothing else opens to it.
  const corsApi = isApiPath(request.url) && corsAllows(origin, options.cors);
  if (origin !== undefined && !corsApi && !isSameOrigin(origin, host) && !opaqueButHarmless(request)) {
    return { status: 403, message: `refused: cross-origin request from ${origin}` };
  }
  const crossSite = corsApi ? null : crossSiteRefusal(request);
  if (crossSite) return crossSite;
  const path = (request.url ?? '/').split('?')[0]!;
  if (options.auth && !NO_AUTH_PATHS.has(path) && !credentialsMatch(headers.authorization, options.auth)) {
    return UNAUTHORIZED;
  }
  return null;
}

const UNAUTHORIZED: Refusal = { status: 401, message: 'authentication required', headers: { 'WWW-Authenticate': 'Basic realm="mailsim", charset="UTF-8"' } };

/** "Basic dXNlcjpwYXNz" → user and password (RFC 7617: the user name ends at the first colon). */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The request's path below --webroot: "/mail/api/v1/info" → "/api/v1/info". */
function belowWebroot(url: string | undefined, webroot: string | undefined): string | undefined {
  if (!webroot || url === undefined) return url;
  return url === webroot || url.startsWith(`${webroot}/`) || url.startsWith(`${webroot}?`) ? url.slice(webroot.length) || '/' : url;
}

/**
 * checkRequest, then the users of an auth file: a bcrypt check takes 12-250 ms of CPU (cost 5-10),
 * so it is awaited (bcryptjs yields to the event loop at least every 100 ms) rather than run
 * inline, and a verified browser pays it once (Htpasswd caches successes).
 */
export async function authorizeRequest(request: RequestLike, options: SecurityOptions): Promise<Refusal | null> {
  const below = { ...request, url: belowWebroot(request.url, options.webroot) };
  const refusal = checkRequest(below, options);
  if (refusal || !options.credentials) return refusal;
  if (NO_AUTH_PATHS.has((below.url ?? '/').split('?')[0]!)) return null;
  const offered = basicCredentials(request.headers.authorization);
  return offered && (await options.credentials.verify(offered.user, { password: offered.password })) ? null : UNAUTHORIZED;
}

/** Express middleware: mount before every route. */
export function securityMiddleware(options: SecurityOptions): RequestHandler {
  return (req, res, next) => {
    authorizeRequest({ url: req.originalUrl, method: req.method, headers: req.headers }, options)
      .then((refusal) => {
        if (!refusal) return next();
        res.status(refusal.status).set(refusal.headers ?? {}).set('Cache-Control', 'no-store').json(apiError(codeForStatus(refusal.status), refusal.message));
      })
      .catch(next);
  };
}

/** Parses --ui-auth "user:password" (the password may itself contain colons). */
export function parseUiAuth(text: string): UiAuth | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
