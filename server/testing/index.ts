/**
 * `mailsim/testing`: mailsim for test suites (vitest, jest, node:test, Playwright; plain
 * promises, no framework globals).
 *
 *   const sim = await startMailsim({ scenario: 'gmail' });   // in-process, free ports, in memory
 *   const sim = await connectMailsim('http://127.0.0.1:8025'); // one started elsewhere (CI, docker)
 *
 * Both talk to mailsim over its HTTP API, so they behave the same; waits happen on the server
 * (GET /api/v1/wait), never by polling.
 */
import { logTo, type Log } from '../ports/log.js';
import type { ListenerInfo, ScenariosList } from '../protocol.js';
import type { ConnectOptions, MailsimClient, StartOptions } from './client-types.js';
import { MailsimError } from './errors.js';
import { HttpMailsim } from './http-client.js';

export type { MessageFilter, MessageFilterFields } from './message-filter.js';
export { toQuery } from './message-filter.js';
export type { Message, MessageSummary, Session, SessionOutcome, SessionSummary, SessionTransaction, TransactionOutcome } from '../protocol.js';
export type { ConnectOptions, FaultSpec, MailsimClient, SessionFilter, StartOptions, WaitManyOptions, WaitOptions } from './client-types.js';
export { MailsimError, MailsimTimeoutError } from './errors.js';

/** Starts mailsim in this process on free loopback ports, with an in-memory store. */
export async function startMailsim(options: StartOptions = {}): Promise<MailsimClient> {
  const { scenario, onWarning, ...config } = options;
  // On demand: connectMailsim() and `mailsim wait` only talk HTTP and need none of the server.
  const { Harness } = await import('../app/harness.js');
  const harness = new Harness(
    {
      smtp: [{ host: '127.0.0.1', port: 0 }],
      http: { host: '127.0.0.1', port: 0 },
      db: ':memory:',
      quiet: true,
      ...config,
      ...(typeof scenario === 'string' ? { scenario } : {}),
    },
    warningsTo(onWarning ?? ((message) => process.stderr.write(`mailsim: ${message}\n`))),
  );
  let running;
  try {
    running = await harness.start();
  } catch (error) {
    await harness.stop().catch(() => {});
    throw error;
  }
  const first = running.smtp[0]!;
  const client = new HttpMailsim(
    `http://${hostForUrl(running.http.address)}:${running.http.port}`,
    { host: first.address, port: first.port },
    config.uiAuth,
    () => harness.stop(),
  );
  if (scenario !== undefined && typeof scenario !== 'string') {
    await client.useScenario(scenario).catch(async (error: unknown) => {
      await harness.stop();
      throw error;
    });
  }
  return client;
}

/** The same API for a mailsim started elsewhere: `npx mailsim` in CI, a docker-compose service. */
export async function connectMailsim(url: string, options: ConnectOptions = {}): Promise<MailsimClient> {
  const base = url.replace(/\/+$/, '');
  const probe = new HttpMailsim(base, { host: '', port: 0 }, options.auth, async () => {});
  const { listeners } = await probe.json<ScenariosList>('GET', '/api/v1/scenarios');
  const first: ListenerInfo | undefined = listeners[0];
  if (!first) throw new MailsimError(500, `${base} reports no SMTP listener`);
  // A listener on all interfaces (0.0.0.0, ::) is reached at the API's host name.
  const host = first.Address === '0.0.0.0' || first.Address === '::' || first.Address === '' ? new URL(base).hostname.replace(/^\[|\]$/g, '') : first.Address;
  return new HttpMailsim(base, { host, port: first.Port }, options.auth, async () => {});
}

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Warnings and errors of an embedded mailsim, as one line each; nothing below warn. */
function warningsTo(onWarning: (message: string) => void): Log {
  return logTo((level, message, fields) => {
    if (level !== 'warn' && level !== 'error' && level !== 'fatal') return;
    const err = (fields.err as { message?: string } | undefined)?.message;
    onWarning(err && !message.includes(err) ? `${message}: ${err}` : message);
  });
}
