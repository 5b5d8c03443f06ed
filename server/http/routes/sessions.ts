import { Router } from 'express';
import { z } from 'zod';
import type { MailboxPort, SessionQuery } from '../../ports/mailbox.js';
import type { SessionOutcome, SessionsList, TransactionOutcome } from '../../protocol.js';
import type { AssertNone, Unlisted } from '../../util/exhaustive-list.js';
import { parseInput } from '../errors.js';
import { notFound } from '../../errors/catalogue.js';
import { parseHostPort } from '../../util/host-port.js';

export const SESSION_OUTCOMES = [
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
  'tls-failed',
  'interrupted',
  'error',
] as const satisfies readonly SessionOutcome[];
// An outcome missing here would be refused as a filter and left out of every unfiltered session wait.
export type EveryOutcomeListed = AssertNone<Unlisted<SessionOutcome, typeof SESSION_OUTCOMES>>;

/** One outcome or a comma-separated list: ?outcome=rejected,deferred */
export const outcomeList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.enum(SESSION_OUTCOMES, { error: `expected one of ${SESSION_OUTCOMES.join(', ')}` })));

export const TRANSACTION_OUTCOMES = ['open', 'delivered', 'blackholed', 'rejected', 'deferred', 'aborted', 'abandoned'] as const satisfies readonly TransactionOutcome[];
export type EveryTransactionOutcomeListed = AssertNone<Unlisted<TransactionOutcome, typeof TRANSACTION_OUTCOMES>>;

const transactionOutcomeList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.enum(TRANSACTION_OUTCOMES, { error: `expected one of ${TRANSACTION_OUTCOMES.join(', ')}` })));

/**
 * Filters on the session's transactions, all met by one of them: ?txIndex=3&txCode=421 is "the
 * third message of the connection got 421"; ?txOutcome=deferred any deferred message.
 */
export const transactionParams = {
  txOutcome: transactionOutcomeList.optional(),
  txCode: z.coerce.number().int().min(200).max(599).optional(),
  txIndex: z.coerce.number().int().min(1).optional(),
};

export function transactionQuery(q: { txOutcome?: TransactionOutcome[]; txCode?: number; txIndex?: number }): SessionQuery['transaction'] {
  if (!q.txOutcome?.length && q.txCode === undefined && q.txIndex === undefined) return undefined;
  return { outcomes: q.txOutcome, code: q.txCode, index: q.txIndex };
}

/** ?since=2026-01-01T10:00:00Z (or milliseconds since the epoch): sessions that started then or later. */
export const sinceParam = z.string().transform((text, ctx) => {
  const at = /^\d+$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) {
    ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 time with a zone (2026-01-01T10:00:00Z) or milliseconds since the epoch' });
    return z.NEVER;
  }
  return at;
});

/** ?listener=127.0.0.1:2525 or [::1]:2525: the address a client connected to. */
const listenerParam = z.string().transform((text, ctx) => {
  const parsed = parseHostPort(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: `expected host:port (127.0.0.1:2525, [::1]:2525): ${parsed}` });
    return z.NEVER;
  }
  return { address: parsed.host, port: parsed.port };
});

const needle = z.string().trim().min(1).max(500).optional();

export const listQuery = z.object({
  start: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(50),
  outcome: outcomeList.optional(),
  client: z.string().optional(),
  user: z.string().optional(),
  since: sinceParam.optional(),
  // The UI's session search: substrings of a transaction's sender, recipients, subject, or any of them and the user.
  before: sinceParam.optional(),
  sender: needle,
  recipient: needle,
  subject: needle,
  text: needle,
  listener: listenerParam.optional(),
  scenario: z.string().trim().min(1).optional(),
  ...transactionParams,
});

/** Our extension: every SMTP connection, with its transcript. */
export function sessionsRouter(mailbox: MailboxPort): Router {
  const router = Router();

  router.get('/api/v1/sessions', (req, res) => {
    const { start, limit, outcome, client, user, since, before, sender, recipient, subject, text, listener, scenario, ...tx } = parseInput(listQuery, req.query, 'query');
    const filter = { outcomes: outcome, client, user, since, before, sender, recipient, subject, text, listener, scenario, transaction: transactionQuery(tx) };
    const { total, sessions } = mailbox.listSessions(start, limit, filter);
    res.json({ total, count: sessions.length, start, sessions } satisfies SessionsList);
  });

  router.get('/api/v1/session/:id', (req, res) => {
    const session = mailbox.getSession(req.params.id);
    if (!session) throw notFound(`session ${req.params.id}`);
    res.json(session);
  });

  return router;
}
