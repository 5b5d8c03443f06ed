import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestHandler, Response } from 'express';

/**
 * Where `vite build` puts the web UI: dist/ui. From the sources (server/http/) that is
 * ../../dist/ui; from the compiled package (dist/server/http/) it is ../../ui.
 */
export function defaultUiDir(): string | undefined {
  const candidates = ['../../dist/ui/', '../../ui/'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  // A build has assets/; the sources' ui/ (with its own index.html) has not.
  return candidates.find((dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets')));
}

/** Paths that belong to the server, never to the single-page app. */
const SERVER_PATHS = /^\/(api|view)(\/|$)|^\/(livez|readyz)$/;
const HASHED_ASSET = /^\/assets\/[\w.-]+$/;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The app page's policy. Scripts only from our own files (Vite emits no inline script).
 * Styles allow 'unsafe-inline' because the message preview is an `srcdoc` frame, which inherits
 * this policy, and captured mail is styled inline; that frame adds its own stricter policy and
 * runs sandboxed without scripts. Images may be remote for the same frame, where the user has
 * to allow them first. Nobody else may frame the UI.
 */
export function appPolicy(host: string | undefined): string {
  const sockets = host && /^[\w.-]+(:\d+)?$|^\[[\da-f:.]+\](:\d+)?$/i.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: http: https:",
    "font-src 'self' data: http: https:",
    "media-src 'self' data: http: https:",
    `connect-src 'self'${sockets}`,
    "frame-src 'self' blob:",
    "worker-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

function common(res: Response): Response {
  return res.set({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'SAMEORIGIN', 'Referrer-Policy': 'no-referrer' });
}

/**
 * Serves the built UI at /: hashed assets with a year-long immutable cache, other files briefly,
 * and index.html (no-cache, strict policy) for every client route (SPA fallback). Mount after
 * the API routes and before the 404 handler; anything under /api or /view falls through.
 */
export function uiStatic(dir?: string): RequestHandler {
  let root: string | undefined;
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || SERVER_PATHS.test(req.path)) return next();
    // Resolved on first use, and again while missing: a UI built after start-up is picked up.
    root ??= rootOf(dir ?? defaultUiDir());
    const path = decodeSafe(req.path);
    if (path === undefined) return next();
    if (!root) {
      if (extname(path)) return next();
      common(res).status(503).type('text/plain').send('The web UI is not built: run "npm run build:ui" (the REST API works without it).\n');
      return;
    }
    if (extname(path)) {
      const file = normalize(join(root, path));
      if (!file.startsWith(root) || file.endsWith(`${sep}index.html`)) return next();
      const type = TYPES[extname(file)];
      readFile(file).then(
        (body) => {
          common(res)
            .type(type ?? 'application/octet-stream')
            .set('Cache-Control', HASHED_ASSET.test(path) ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
            .send(body);
        },
        () => next(),
      );
      return;
    }
    readFile(join(root, 'index.html')).then(
      (body) => {
        common(res)
          .type('text/html; charset=utf-8')
          .set({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': appPolicy(req.headers.host) })
          .send(withBase(body, `${req.baseUrl}/`));
      },
      (error: unknown) => next(error),
    );
  };
}

/**
 * The UI is built once with relative asset URLs (vite `base: './'`); a <base> naming where it is
 * mounted (--webroot: req.baseUrl) makes them, and the UI's own API calls, resolve under the
 * prefix from any client route (/mail/message/ID loads /mail/assets/...).
 */
function withBase(page: Buffer, base: string): string {
  return page.toString('utf8').replace(/<head>/i, `<head><base href="${base}" />`);
}

function decodeSafe(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') ? undefined : decoded;
  } catch {
    return undefined;
  }
}

function rootOf(dir: string | undefined): string | undefined {
  return dir && normalize(dir.endsWith(sep) ? dir : dir + sep);
}
