import { Router } from 'express';
import { z } from 'zod';
import type { Mailbox } from '../../mail/mailbox.js';
import type { SessionOutcome, SessionsList } from '../../protocol.js';
import { notFound, parseInput } from '../errors.js';

const OUTCOMES = [
  'active',
  'delivered',
  'connection-test',
  'rejected',
  'deferred',
  'auth-failed',
  'aborted',
  'timed-out',
  'dropped',
  'no-mail',
  'blackholed',
  'disconnected',
  'interrupted',
] as const satisfies readonly SessionOutcome[];

const listQuery = z.object({
  start: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(50),
  /** One outcome or a comma-separated list: ?outcome=rejected,deferred */
  outcome: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(OUTCOMES, { error: `expected one of ${OUTCOMES.join(', ')}` })))
    .optional(),
  client: z.string().optional(),
  user: z.string().optional(),
});

/** Our extension: every SMTP connection, with its transcript. */
export function sessionsRouter(mailbox: Mailbox): Router {
  const router = Router();

  router.get('/api/v1/sessions', (req, res) => {
    const { start, limit, outcome, client, user } = parseInput(listQuery, req.query, 'query');
    const { total, sessions } = mailbox.listSessions(start, limit, { outcomes: outcome, client, user });
    res.json({ total, count: sessions.length, start, sessions } satisfies SessionsList);
  });

  router.get('/api/v1/session/:id', (req, res) => {
    const session = mailbox.getSession(req.params.id);
    if (!session) throw notFound(`session ${req.params.id}`);
    res.json(session);
  });

  return router;
}
