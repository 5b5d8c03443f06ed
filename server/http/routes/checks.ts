import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../errors/catalogue.js';
import type { MailboxPort } from '../../ports/mailbox.js';
import { parseInput } from '../errors.js';

export const linkCheckQuery = z.object({ follow: z.enum(['true', 'false', '1', '0']).optional().describe('true follows redirects (up to 3)') });

/** What the link check returns (server/checks/link-check.ts, wired by the harness). */
export interface LinkCheckPort {
  check(html: string, text: string, follow: boolean): Promise<{ Errors: number; Links: { URL: string; StatusCode: number; Status: string }[] }>;
}

/** Mailpit's message checks: GET /api/v1/message/{ID}/link-check. */
export function checksRouter(mailbox: MailboxPort, links: LinkCheckPort): Router {
  const router = Router();
  router.get('/api/v1/message/:id/link-check', async (req, res) => {
    const { follow } = parseInput(linkCheckQuery, req.query, 'query');
    const message = await mailbox.view(req.params.id);
    if (!message) throw notFound(`message ${req.params.id}`);
    res.json(await links.check(message.HTML, message.Text, follow === 'true' || follow === '1'));
  });
  return router;
}
