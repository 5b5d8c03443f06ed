import { Router } from 'express';
import { z } from 'zod';
import type { MailboxPort } from '../../ports/mailbox.js';
import type { MessagesSummary } from '../../protocol.js';
import { parseInput } from '../errors.js';
import { CodedError, badRequest } from '../../errors/catalogue.js';

const paging = z.object({
  start: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(50),
});
const searchQuery = paging.extend({
  query: z.string().trim().min(1, 'a search query is required'),
  tz: z.string().optional(),
});
const deleteSearchQuery = z.object({
  query: z.string().trim().min(1, 'a search query is required'),
  tz: z.string().optional(),
});
const idsBody = z.object({ IDs: z.array(z.string()).optional() }).loose();
const readBody = z
  .object({ Read: z.boolean().default(false), IDs: z.array(z.string()).optional(), Search: z.string().optional() })
  .loose();

/** Mailpit's message collection endpoints, same paths, parameters and response shapes. */
export function messagesRouter(mailbox: MailboxPort): Router {
  const router = Router();

  router.get('/api/v1/messages', (req, res) => {
    const { start, limit } = parseInput(paging, req.query, 'query');
    res.json(messagesSummary(mailbox, { start, limit }));
  });

  router.get('/api/v1/search', (req, res) => {
    const { start, limit, query, tz } = parseInput(searchQuery, req.query, 'query');
    res.json(messagesSummary(mailbox, { query, timeZone: tz, start, limit }));
  });

  router.delete('/api/v1/search', async (req, res) => {
    const { query, tz } = parseInput(deleteSearchQuery, req.query, 'query');
    await mailbox.delete({ query, timeZone: tz });
    res.type('text/plain').send('ok');
  });

  router.delete('/api/v1/messages', async (req, res) => {
    const { IDs } = parseInput(idsBody, req.body, 'body');
    if (IDs?.length) requireKnown(mailbox, IDs);
    await mailbox.delete(IDs?.length ? { ids: IDs } : 'all');
    res.type('text/plain').send('ok');
  });

  router.put('/api/v1/messages', async (req, res) => {
    const { Read, IDs, Search } = parseInput(readBody, req.body, 'body');
    if (IDs?.length && Search) throw badRequest('give either IDs or Search, not both');
    if (IDs?.length) requireKnown(mailbox, IDs);
    const timeZone = typeof req.query.tz === 'string' ? req.query.tz : undefined;
    await mailbox.setRead(Read, IDs?.length ? { ids: IDs } : Search ? { query: Search, timeZone } : 'all');
    res.type('text/plain').send('ok');
  });

  return router;
}

/** All or nothing: a request naming a message that does not exist changes nothing. */
function requireKnown(mailbox: MailboxPort, ids: string[]): void {
  const unknown = ids.filter((id) => !mailbox.has(id));
  if (unknown.length) throw new CodedError('NOT_FOUND', `message${unknown.length > 1 ? 's' : ''} not found: ${unknown.join(', ')}`);
}

/**
 * Mailpit's list JSON (GET /api/v1/messages and /search; the server-side wait answers with it
 * too): `total`/`unread` are the whole mailbox, `messages_count`/`messages_unread` the query's.
 */
export function messagesSummary(
  mailbox: MailboxPort,
  page: { query?: string; timeZone?: string; start: number; limit: number },
): MessagesSummary {
  const result = mailbox.search(page);
  const all = page.query ? mailbox.counts() : result;
  return {
    total: all.total,
    unread: all.unread,
    count: result.messages.length,
    messages_count: result.total,
    messages_unread: result.unread,
    start: page.start,
    tags: mailbox.tags(),
    messages: result.messages,
  };
}
