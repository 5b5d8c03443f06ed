import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../errors/catalogue.js';
import type { MailboxPort } from '../../ports/mailbox.js';
import { parseInput } from '../errors.js';
import { thumbnail } from '../thumbnail.js';

export const linkCheckQuery = z.object({ follow: z.enum(['true', 'false', '1', '0']).optional().describe('true follows redirects (up to 3)') });

/** What the link check returns (server/checks/link-check.ts, wired by the harness). */
export interface LinkCheckPort {
  check(html: string, text: string, follow: boolean): Promise<{ Errors: number; Links: { URL: string; StatusCode: number; Status: string }[] }>;
}

/** Mailpit's message checks (GET /api/v1/message/{ID}/link-check) and attachment thumbnails. */
export function checksRouter(mailbox: MailboxPort, links: LinkCheckPort): Router {
  const router = Router();
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
