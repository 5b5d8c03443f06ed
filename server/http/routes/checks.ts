import { Router } from 'express';
import { z } from 'zod';
import { badRequest, notFound } from '../../errors/catalogue.js';
import type { MailboxPort } from '../../ports/mailbox.js';
import { parseInput } from '../errors.js';
import { thumbnail } from '../thumbnail.js';

export const linkCheckQuery = z.object({ follow: z.enum(['true', 'false', '1', '0']).optional().describe('true follows redirects (up to 3)') });

/** What the link check returns (server/checks/link-check.ts, wired by the harness). */
export interface LinkCheckPort {
  check(html: string, text: string, follow: boolean): Promise<{ Errors: number; Links: { URL: string; StatusCode: number; Status: string }[] }>;
}

const percent = z.number().describe('percent');
/** Mailpit's HTMLCheckResponse, for swagger.json (the thread builds it: server/checks/html-check.ts). */
export const htmlCheckResponse = z.object({
  Platforms: z.record(z.string(), z.array(z.string())).describe('platform → client families tested on it'),
  Total: z.object({ Nodes: z.number(), Tests: z.number(), Supported: percent, Partial: percent, Unsupported: percent }),
  Warnings: z.array(
    z.object({
      Slug: z.string(),
      Title: z.string(),
      Description: z.string().describe('HTML'),
      URL: z.string().describe('the feature on caniemail.com'),
      Category: z.string(),
      Tags: z.array(z.string()),
      Keywords: z.string(),
      Results: z.array(z.object({ Name: z.string(), Platform: z.string(), Family: z.string(), Version: z.string(), Support: z.enum(['yes', 'no', 'partial']), NoteNumber: z.string() })),
      NotesByNumber: z.record(z.string(), z.string()),
      Score: z.object({ Found: z.number(), Supported: percent, Partial: percent, Unsupported: percent }),
    }),
  ),
});

/** What the HTML compatibility check returns (server/checks/html-check-pool.ts): Mailpit's HTMLCheckResponse, as JSON. */
export interface HtmlCheckPort {
  check(html: string): Promise<string>;
}

/** Mailpit's message checks (GET /api/v1/message/{ID}/link-check and /html-check) and attachment thumbnails. */
export function checksRouter(mailbox: MailboxPort, links: LinkCheckPort, html: HtmlCheckPort): Router {
  const router = Router();
  // Mailpit's HTMLCheck: 404 for an unknown message, 400 "message does not contain HTML" for a
  // text-only one; it does not mark the message read (the body is read as /view's is).
  router.get('/api/v1/message/:id/html-check', async (req, res) => {
    const rendered = await mailbox.render(req.params.id, 'html');
    if (!rendered) throw notFound(`message ${req.params.id}`);
    if (rendered.type !== 'html') return void res.status(503).set('Retry-After', '5').json({ Error: 'the message could not be parsed', Code: 'UNAVAILABLE' });
    const body = typeof rendered.body === 'string' ? rendered.body : rendered.body.toString('utf8');
    if (!body.trim()) throw badRequest('message does not contain HTML');
    res.type('application/json').send(await html.check(body));
  });
  router.get('/api/v1/message/:id/link-check', async (req, res) => {
    const { follow } = parseInput(linkCheckQuery, req.query, 'query');
    const message = await mailbox.view(req.params.id);
    if (!message) throw notFound(`message ${req.params.id}`);
    res.json(await links.check(message.HTML, message.Text, follow === 'true' || follow === '1'));
  });
  router.get('/api/v1/message/:id/part/:partId/thumb', async (req, res) => {
    const part = await mailbox.part(req.params.id, req.params.partId);
    if (!part) throw notFound(mailbox.has(req.params.id) ? `part ${req.params.partId} of message ${req.params.id}` : `message ${req.params.id}`);
    if ('unavailable' in part) return void res.status(503).set('Retry-After', '5').json({ Error: `the message could not be parsed: ${part.unavailable}`, Code: 'UNAVAILABLE' });
    const jpeg = await thumbnail(part.content, part.contentType);
    const name = part.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
    res.type('image/jpeg').set({ 'Content-Disposition': `filename="${name}"`, 'X-Content-Type-Options': 'nosniff' }).send(jpeg);
  });
  return router;
}
