import { Router, type Response } from 'express';
import { z } from 'zod';
import type { EventBus, EventName } from '../../events/bus.js';
import type { MailboxPort } from '../../ports/mailbox.js';
import type { SessionQuery } from '../../ports/mailbox.js';
import type { MessagesSummary, MessageSummary, SessionsList, SessionSummary } from '../../protocol.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import { apiError, parseInput } from '../errors.js';
import type { WaitOutcome, WaitRegistry } from '../waiting.js';
import { outcomeList, SESSION_OUTCOMES, sinceParam, transactionParams, transactionQuery } from './sessions.js';
import { messagesSummary } from './messages.js';

export const MAX_WAIT_MS = 5 * 60_000;
/** How many of the newest messages or sessions a timed-out wait shows besides its matches. */
const RECENT = 10;

const timeout = z
  .string()
  .default('10s')
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms > MAX_WAIT_MS) {
      ctx.addIssue({ code: 'custom', message: `expected a duration of at most ${formatDuration(MAX_WAIT_MS)}, such as 500ms, 10s or 2m` });
      return z.NEVER;
    }
    return ms;
  });
const count = z.coerce.number().int().min(1).max(10_000).default(1);

export const messagesQuery = z.object({
  query: z.string().trim().optional(),
  tz: z.string().optional(),
  count,
  timeout,
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

export const sessionsQuery = z.object({
  outcome: outcomeList.optional(),
  client: z.string().optional(),
  user: z.string().optional(),
  since: sinceParam.optional(),
  ...transactionParams,
  count,
  timeout,
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** Sessions still open only count when `outcome=active` asks for them. */
const CLOSED_OUTCOMES = SESSION_OUTCOMES.filter((o) => o !== 'active');

export interface WaitDeps {
  mailbox: MailboxPort;
  bus: EventBus;
  waits: WaitRegistry;
}

type TimedOut<T> = T & { Error: string };

/**
 * Server-side waiting, so that tests and CI scripts need no polling loop:
 * - GET /api/v1/wait?query=...&count=N&timeout=10s answers, with the search endpoint's JSON, as
 *   soon as N messages match, or 408 with what did match (and the newest messages, under `recent`).
 * - GET /api/v1/sessions/wait?outcome=...&client=&user=&since=&txOutcome=&txCode=&txIndex=&count=N&timeout=:
 *   the same for SMTP sessions, with the sessions endpoint's JSON.
 */
export function waitRouter({ mailbox, bus, waits }: WaitDeps): Router {
  const router = Router();
  const on = (events: EventName[]) => (recheck: () => void) => {
    const offs = events.map((event) => bus.on(event, recheck));
    return () => offs.forEach((off) => off());
  };

  router.get('/api/v1/wait', async (req, res) => {
    const { query, tz, count, timeout: timeoutMs, limit } = parseInput(messagesQuery, req.query, 'query');
    const size = Math.max(limit ?? 50, count);
    // A bad query throws in the first check, before any waiting: the caller gets its 400 at once.
    const outcome = await waits.wait<MessagesSummary>({
      subscribe: on(['message.received', 'message.updated', 'message.tagged']),
      check: () => {
        const result = messagesSummary(mailbox, { query: query || undefined, timeZone: tz, start: 0, limit: size });
        return { done: result.messages_count >= count, result };
      },
      timeoutMs,
      res,
    });
    answer(res, outcome, (result) => {
      const what = `message${count === 1 ? '' : 's'}${query ? ` matching ${JSON.stringify(query)}` : ''}`;
      const body: TimedOut<MessagesSummary> & { recent: MessageSummary[] } = {
        Error: `timed out after ${formatDuration(timeoutMs)}: ${result.messages_count} of ${count} ${what} arrived`,
        ...result,
        recent: query ? mailbox.search({ start: 0, limit: RECENT }).messages : result.messages.slice(0, RECENT),
      };
      return body;
    });
  });

  router.get('/api/v1/sessions/wait', async (req, res) => {
    const { outcome: outcomes, client, user, since, count, timeout: timeoutMs, limit, ...tx } = parseInput(sessionsQuery, req.query, 'query');
    const size = Math.max(limit ?? 50, count);
    const wantsActive = outcomes?.includes('active') ?? false;
    const transaction = transactionQuery(tx);
    const filter: SessionQuery = { outcomes: outcomes?.length ? outcomes : [...CLOSED_OUTCOMES], client, user, since, transaction };
    const outcome = await waits.wait<SessionsList>({
      subscribe: on(wantsActive ? ['session.opened', 'session.closed'] : ['session.closed']),
      check: () => {
        const { total, sessions } = mailbox.listSessions(0, size, filter);
        return { done: total >= count, result: { total, count: sessions.length, start: 0, sessions } };
      },
      timeoutMs,
      res,
    });
    answer(res, outcome, (result) => {
      const conditions = [
        outcomes?.length ? `outcome ${outcomes.join(' or ')}` : '',
        client ? `client ${client}` : '',
        user ? `user ${user}` : '',
        since !== undefined ? `since ${new Date(since).toISOString()}` : '',
        transaction ? `a transaction${describeTransactionQuery(transaction)}` : '',
      ].filter(Boolean);
      const recent: SessionSummary[] = mailbox.listSessions(0, RECENT, { since }).sessions;
      const body: TimedOut<SessionsList> & { recent: SessionSummary[] } = {
        Error: `timed out after ${formatDuration(timeoutMs)}: ${result.total} of ${count} session${count === 1 ? '' : 's'}${conditions.length ? ` with ${conditions.join(', ')}` : ''}`,
        ...result,
        recent,
      };
      return body;
    });
  });

  return router;
}

function describeTransactionQuery(q: NonNullable<SessionQuery['transaction']>): string {
  return [q.index !== undefined ? ` number ${q.index}` : '', q.outcomes?.length ? ` ${q.outcomes.join(' or ')}` : '', q.code !== undefined ? ` with code ${q.code}` : ''].join('');
}

function answer<R>(res: Response, outcome: WaitOutcome<R>, timedOut: (result: R) => unknown): void {
  switch (outcome.kind) {
    case 'done':
      res.json(outcome.result);
      return;
    case 'timeout':
      res.status(408).json(timedOut(outcome.result));
      return;
    case 'shutdown':
      if (!res.headersSent) res.status(503).json(apiError('UNAVAILABLE', 'mailsim is shutting down'));
      return;
    case 'closed':
      return;
  }
}
