import { Router, type Response } from 'express';
import { z } from 'zod';
import type { MailboxPort } from '../../ports/mailbox.js';
import { apiError, parseInput } from '../errors.js';
import { CodedError, notFound } from '../../errors/catalogue.js';

/**
 * Captured mail is hostile input. Anything rendered from it is served as a sandboxed document
 * (CSP `sandbox`: no scripts, an opaque origin that cannot read our API) and never sniffed.
 * Remote images, styles, fonts and media (tracking pixels, "was this opened" beacons) stay
 * blocked unless asked for with ?remote=1, the opt-in the UI sends after "Load remote content";
 * inline parts load from our own origin.
 */
const LOCAL_CSP = "sandbox; default-src 'none'; img-src 'self' data: blob:; style-src 'unsafe-inline'; font-src data:; media-src data:";
const REMOTE_CSP = "sandbox; default-src 'none'; img-src * data: blob:; style-src 'unsafe-inline' *; font-src * data:; media-src * data:";
/** Raster images are safe to show inline; everything else (SVG and HTML included) downloads. */
const INLINE_TYPES = /^image\/(png|jpe?g|gif|webp|bmp|avif)$/i;

export const viewQuery = z.object({
  remote: z.enum(['0', '1']).optional().describe('1 lets the page load remote images, styles and fonts'),
  // Mailpit's value is "1"; anything else means no, as there.
  embed: z.string().optional().describe('1 opens every link in a new tab (target="_blank", rel="noreferrer noopener"), for an iframe'),
});

/**
 * Mailpit's `?embed=1`: every anchor gets `target="_blank"` and `rel="noreferrer noopener"`, so a
 * link clicked in an embedding iframe leaves it. Mailpit also adds a height-reporting script; the
 * sandbox CSP here runs no scripts, so it is left out.
 */
export function linksInNewTab(html: string): string {
  return html.replace(/<a\b([^>]*)>/gi, (_whole, attributes: string) => {
    const kept = attributes.replace(/\s(?:target|rel)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi, '');
    return `<a${kept} target="_blank" rel="noreferrer noopener">`;
  });
}

function untrusted(res: Response, remote = false): Response {
  return res.set({ 'Content-Security-Policy': remote ? REMOTE_CSP : LOCAL_CSP, 'X-Content-Type-Options': 'nosniff' });
}

/** The message exists but could not be parsed in time (see mail/message-open.ts). */
function unavailable(res: Response, why: string): void {
  res.status(503).set('Retry-After', '5').json(apiError('UNAVAILABLE', `the message could not be parsed: ${why}`));
}

function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * Mailpit's `latest` takes `?query=` (and `tz`): the newest message matching it, 404 when none
 * does (storage.LatestID). Without a query it is the newest message, which the store resolves.
 */
function resolveId(mailbox: MailboxPort, id: string, query: Record<string, unknown>): string {
  const search = typeof query.query === 'string' ? query.query.trim() : '';
  if (id !== 'latest' || !search) return id;
  const timeZone = typeof query.tz === 'string' && query.tz ? query.tz : undefined;
  const [newest] = mailbox.search({ query: search, timeZone, start: 0, limit: 1 }).messages;
  if (!newest) throw notFound(`message matching ${JSON.stringify(search)}`);
  return newest.ID;
}

/** One message: Mailpit's /api/v1/message/{ID}... and /view/{ID}.{html,txt}. */
export function messageRouter(mailbox: MailboxPort): Router {
  const router = Router();
  router.param('id', (req, _res, next, id: string) => {
    req.params.id = resolveId(mailbox, id, req.query);
    next();
  });

  router.get('/api/v1/message/:id', async (req, res) => {
    const message = await mailbox.view(req.params.id);
    if (!message) throw notFound(`message ${req.params.id}`);
    res.json(message);
  });

  router.get('/api/v1/message/:id/raw', (req, res) => {
    const stored = mailbox.get(req.params.id);
    if (!stored) throw notFound(`message ${req.params.id}`);
    untrusted(res).type('text/plain; charset=utf-8').set('Accept-Ranges', 'bytes');
    if (req.query.dl !== undefined) res.set('Content-Disposition', contentDisposition('attachment', `${stored.summary.ID}.eml`));
    // One byte range (RFC 9110 §14), so the UI can show the head of a 20 MB source; several
    // ranges or a malformed header get the whole message, as §14.2 allows.
    const size = stored.raw.length;
    const range = req.headers.range === undefined ? undefined : req.range(size);
    if (range === -1) return void res.status(416).set('Content-Range', `bytes */${size}`).end();
    if (Array.isArray(range) && range.type === 'bytes' && range.length === 1) {
      const { start, end } = range[0]!;
      return void res.status(206).set('Content-Range', `bytes ${start}-${end}/${size}`).send(stored.raw.subarray(start, end + 1));
    }
    res.send(stored.raw);
  });

  router.get('/api/v1/message/:id/headers', async (req, res) => {
    const headers = await mailbox.headers(req.params.id);
    if (!headers) throw notFound(`message ${req.params.id}`);
    if ('unavailable' in headers && typeof headers.unavailable === 'string') return unavailable(res, headers.unavailable);
    res.json(headers);
  });

  router.get('/api/v1/message/:id/part/:partId', async (req, res) => {
    const part = await mailbox.part(req.params.id, req.params.partId);
    if (!part) throw notFound(mailbox.has(req.params.id) ? `part ${req.params.partId} of message ${req.params.id}` : `message ${req.params.id}`);
    if ('unavailable' in part) return unavailable(res, part.unavailable);
    const kind = INLINE_TYPES.test(part.contentType) ? 'inline' : 'attachment';
    untrusted(res).type(part.contentType).set('Content-Disposition', contentDisposition(kind, part.filename));
    res.send(part.content);
  });

  router.get('/view/:file', async (req, res) => {
    const match = /^(.+)\.(html|txt)$/.exec(req.params.file);
    if (!match) throw new CodedError('NOT_FOUND', 'use /view/{ID}.html or /view/{ID}.txt');
    const { remote, embed } = parseInput(viewQuery, req.query, 'query');
    const [, given, ext] = match as unknown as [string, string, 'html' | 'txt'];
    const id = resolveId(mailbox, given, req.query);
    const rendered = await mailbox.render(id, ext === 'html' ? 'html' : 'text');
    if (rendered === undefined) throw notFound(`message ${id}`);
    // Mailpit: a message without an HTML part has no HTML view (404), not an empty page.
    if (ext === 'html' && rendered.type === 'html' && rendered.body.length === 0) {
      throw new CodedError('NOT_FOUND', `message ${id} does not contain an HTML part`);
    }
    // Mailpit's storage.GetMessage marks the message read, and its views go through it.
    const summary = mailbox.get(id)?.summary;
    if (summary && !summary.Read) await mailbox.setRead(true, { ids: [summary.ID] });
    const body = rendered.type === 'html' && embed === '1' ? linksInNewTab(String(rendered.body)) : rendered.body;
    untrusted(res, remote === '1').type(rendered.type === 'html' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8').send(body);
  });

  return router;
}
