import { parseArgs } from 'node:util';
import { usageError } from './option-table.js';
import { ERRORS } from '../errors/catalogue.js';
import { parseUiAuth } from '../http/security.js';
import type { MessageSummary, SessionOutcome, SessionSummary } from '../protocol.js';
import { connectMailsim, MailsimError, MailsimTimeoutError, type MailsimClient } from '../testing/index.js';
import { parseDuration } from '../util/duration.js';
import { parseHostPort } from '../util/host-port.js';
import { describeMessage, describeSession } from '../testing/wait-report.js';

export const EXIT_TIMED_OUT = ERRORS.TIMED_OUT.exit;
export const EXIT_UNREACHABLE = ERRORS.UNAVAILABLE.exit;

export const WAIT_HELP = `Usage: mailsim wait [options]      wait until messages (or SMTP sessions) arrive

Exits 0 once --count messages match --query, or 1 after --timeout with a report of what
arrived instead. For shell-based CI: start mailsim in the background, run the application,
then "mailsim wait". Uses GET /api/v1/wait (and /api/v1/sessions/wait), no polling.

Options:
  --url URL               mailsim's HTTP address; default http://$MAILSIM_HTTP or http://127.0.0.1:8025
                          (env: MAILSIM_URL)
  --query QUERY           search language, e.g. 'to:a@example.com subject:"Welcome"'; all messages if omitted
  --count N               how many must match (default 1)
  --timeout DURATION      how long to wait (default 10s; 30s, 2m, ...)
  --sessions              wait for closed SMTP sessions instead of messages:
    --outcome LIST          delivered, rejected, deferred, ... (comma-separated: any of them)
    --client IP  --user NAME  --since TIME (RFC 3339 or epoch ms)
  --auth USER:PASSWORD    for a mailsim started with --ui-auth (env: MAILSIM_UI_AUTH)
  --json                  print the matches as JSON instead of one line each
  --quiet                 print nothing on success
Exit status: 0 satisfied, 1 timed out, 2 bad usage, 3 mailsim unreachable or failing.
`;

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** `mailsim wait ...`: returns the exit status. */
export async function waitCommand(argv: string[], env: NodeJS.ProcessEnv, { out, err }: Output): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        query: { type: 'string' },
        count: { type: 'string' },
        timeout: { type: 'string' },
        sessions: { type: 'boolean' },
        outcome: { type: 'string' },
        client: { type: 'string' },
        user: { type: 'string' },
        since: { type: 'string' },
        auth: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw usageError(`wait: ${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
  if (values.help) {
    out(WAIT_HELP);
    return 0;
  }
  const url = values.url ?? env.MAILSIM_URL ?? defaultUrl(env.MAILSIM_HTTP);
  if (!URL.canParse(url)) throw usageError(`wait --url: expected a URL such as http://127.0.0.1:8025, got "${url}"`);
  const count = values.count === undefined ? 1 : Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw usageError(`wait --count: expected a positive whole number, got "${values.count}"`);
  const timeoutMs = values.timeout === undefined ? 10_000 : parseDuration(values.timeout);
  if (timeoutMs === undefined) throw usageError(`wait --timeout: expected a duration such as 30s or 2m, got "${values.timeout}"`);
  const authText = values.auth ?? env.MAILSIM_UI_AUTH;
  const auth = authText ? parseUiAuth(authText) : undefined;
  if (authText && !auth) throw usageError('wait --auth: expected USER:PASSWORD');
  if (!values.sessions && (values.outcome || values.client || values.user || values.since)) {
    throw usageError('wait: --outcome, --client, --user and --since go with --sessions');
  }
  if (values.sessions && values.query) throw usageError('wait: --query filters messages; with --sessions use --outcome, --client, --user, --since');

  const deadline = Date.now() + timeoutMs;
  const sim = await connectUntil(url, auth, deadline);
  if (typeof sim === 'string') {
    err(`mailsim wait: cannot reach mailsim at ${url}: ${sim}`);
    return EXIT_UNREACHABLE;
  }
  const timeout = Math.max(1, deadline - Date.now());
  try {
    if (values.sessions) {
      const filter = { outcome: values.outcome?.split(',').map((o) => o.trim()) as SessionOutcome[] | undefined, client: values.client, user: values.user, since: values.since };
      const sessions = await sim.waitForSessions(filter, { count, timeout });
      print(sessions, describeSession, values, out);
    } else {
      const messages = await sim.waitForMessages(values.query, { count, timeout });
      print(messages, describeMessage, values, out);
    }
    return 0;
  } catch (error) {
    if (error instanceof MailsimTimeoutError) {
      err(`mailsim wait: ${error.message}`);
      return EXIT_TIMED_OUT;
    }
    if (error instanceof MailsimError && error.status === 400) throw usageError(`wait: ${error.message.replace(/^GET \S+: 400 /, '')}`);
    err(`mailsim wait: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_UNREACHABLE;
  }
}

function print<T extends MessageSummary | SessionSummary>(
  items: T[],
  describe: (item: T) => string,
  flags: { json?: boolean; quiet?: boolean },
  out: (line: string) => void,
): void {
  if (flags.quiet) return;
  if (flags.json) out(JSON.stringify(items, null, 2));
  else for (const item of items) out(describe(item));
}

function defaultUrl(http: string | undefined): string {
  const parsed = http ? parseHostPort(http) : undefined;
  if (parsed === undefined || typeof parsed === 'string') return 'http://127.0.0.1:8025';
  const host = parsed.host === '0.0.0.0' || parsed.host === '::' ? '127.0.0.1' : parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return `http://${host}:${parsed.port}`;
}

/** A CI job may run `mailsim wait` while mailsim is still starting: connection refused is retried. */
async function connectUntil(url: string, auth: { user: string; password: string } | undefined, deadline: number): Promise<MailsimClient | string> {
  for (;;) {
    try {
      return await connectMailsim(url, { auth });
    } catch (error) {
      if (error instanceof MailsimError) {
        if (error.status === 401) throw usageError(`wait: ${url} wants credentials: --auth USER:PASSWORD (or MAILSIM_UI_AUTH)`);
        return error.message;
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      if (Date.now() >= deadline) return reason;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, Math.max(0, deadline - Date.now()))));
    }
  }
}
