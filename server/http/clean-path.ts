import type { RequestHandler } from 'express';

/**
 * Go's path.Clean for a URL path: repeated slashes become one, `.` and `..` segments are
 * resolved, a trailing slash is kept. Never returns anything but an absolute path.
 */
export function cleanPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const clean = `/${segments.join('/')}`;
  return path.endsWith('/') && clean !== '/' ? `${clean}/` : clean;
}

/**
 * Go's ServeMux answers a request for an unclean path (`//view/ID.html`, which
 * cypress-mailpit's body commands build from `${MAILPIT_URL}/` + `/view/...`) with a 301 to the
 * clean one, and clients follow it. Without this such a request is a 404 here.
 */
export function cleanPathRedirect(): RequestHandler {
  return (req, res, next) => {
    const raw = req.originalUrl;
    const queryAt = raw.indexOf('?');
    const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
    const clean = cleanPath(path);
    if (clean === path) return next();
    res.redirect(301, clean + (queryAt < 0 ? '' : raw.slice(queryAt)));
  };
}
