import type { SessionSummary, TranscriptEntry } from '../../../server/protocol.js';

/** Outcomes known to this UI; newer servers may send more, shown as they come. */
export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'live';

const TONES: Record<string, Tone> = {
  active: 'live',
  delivered: 'ok',
  'connection-test': 'info',
  'no-mail': 'info',
  rejected: 'bad',
  'auth-failed': 'bad',
  'tls-failed': 'bad',
  deferred: 'warn',
  aborted: 'warn',
  'timed-out': 'warn',
  dropped: 'warn',
  disconnected: 'warn',
  blackholed: 'warn',
  interrupted: 'info',
  error: 'bad',
};

export function outcomeTone(outcome: string): Tone {
  return TONES[outcome] ?? 'info';
}

export function outcomeLabel(outcome: string): string {
  return outcome.replace(/-/g, ' ');
}

export interface Explanation {
  title: string;
  detail: string;
  /** Where the behaviour is documented, when the fault that fired says so. */
  source?: string;
}

const EXPLANATION_NOTE = /^explanation: (.*?) \| advice: (.*?)(?: \| source: (.*))?$/;

/**
 * The explanation of the last fault that fired, as the server wrote it into the transcript
 * (server/smtp/connection-driver.ts explanationNote): the scenario's own `explain`, a built-in
 * limit's, or what the reply code means. It knows the cause; the code alone does not.
 */
export function faultExplanation(entries: readonly TranscriptEntry[] | undefined): Explanation | null {
  if (!entries) return null;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    const match = entry.Dir === 'I' ? EXPLANATION_NOTE.exec(entry.Text) : null;
    if (match) return { title: match[1]!.replace(/\.$/, ''), detail: match[2]!, ...(match[3] && { source: match[3] }) };
  }
  return null;
}

const TIMED_OUT: Explanation = {
  title: 'Client went silent',
  detail: 'The client stopped talking mid-conversation and mailsim closed the connection after the idle timeout. Look for a client that waits on something (a slow template, a lock) while holding the SMTP connection open.',
};

type SessionLike = Pick<SessionSummary, 'Outcome' | 'OutcomeCode' | 'OutcomeDetail'> & { Transcript?: TranscriptEntry[] };

const enhanced = (detail: string): string => /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(detail)?.[1] ?? '';

/**
 * A plain-language reading of how a session ended, in the spirit of the providers'
 * troubleshooting guides: what the reply means and what the sending application should do.
 */
export function explainSession(session: SessionLike): Explanation | null {
  const code = session.OutcomeCode ?? 0;
  const detail = session.OutcomeDetail ?? '';
  const status = enhanced(detail);
  const transcript = session.Transcript;
  const fault = session.Outcome === 'delivered' || session.Outcome === 'active' ? null : faultExplanation(transcript);
  if (fault) return fault;
  // mailsim's own idle timeout answers 421: the client went quiet, nobody throttled it.
  if (session.Outcome === 'timed-out') return TIMED_OUT;
  if (transcript && session.Outcome !== 'active' && !transcript.some((e) => e.Dir === 'S')) {
    return {
      title: 'No greeting from the server',
      detail:
        'The connection opened but no 220 banner ever arrived. Real clients report this as "connection timed out" or ' +
        '"greeting never received": typically a firewall that silently drops SMTP (many cloud hosts block port 25), ' +
        'the wrong port, or a client expecting implicit TLS (port 465) talking to a plain listener.',
    };
  }
  if (code === 534 || status === '5.7.9') {
    return {
      title: `Stronger authentication required (${code})`,
      detail:
        'The server refused this way of logging in for this account (RFC 4954: the mechanism is too weak). With Gmail it means ' +
        'the account has 2-step verification and the normal password was used: create an app password, or use OAuth.',
    };
  }
  if (session.Outcome === 'auth-failed' && code !== 535) {
    return {
      title: code ? `Login refused (${code})` : 'Login refused',
      detail: 'The server did not accept the login. The reply text says why; check the user name, the password and whether the server wants TLS first.',
    };
  }
  if (code === 535) {
    return {
      title: 'Bad credentials (535)',
      detail:
        'The server refused the username or password. With Gmail, Outlook or Yahoo and 2-step verification on, the ' +
        'account password does not work for SMTP: create an app password. Check that the username is the full address ' +
        'and that the password has no stray spaces or quoting.',
    };
  }
  if (code === 530) {
    const tls = /starttls|tls/i.test(detail) || status === '5.7.0';
    return tls
      ? {
          title: 'STARTTLS required (530)',
          detail:
            'The server only talks after the connection is encrypted. Enable TLS/STARTTLS in the mailer settings ' +
            '(for example EMAIL_USE_TLS = True, encryption "tls", secure: false with requireTLS), or use port 465 with implicit TLS.',
        }
      : {
          title: 'Authentication required (530)',
          detail: 'The server wants AUTH before MAIL FROM. Configure a username and password in the mailer.',
        };
  }
  if (code === 421 || code === 450 || code === 451 || code === 452 || code === 454) {
    const what =
      code === 454
        ? 'TLS or authentication is temporarily unavailable'
        : code === 452
          ? 'too many recipients, or the mailbox is over quota, for now'
          : /grey|gray/i.test(detail)
            ? 'greylisting: the server refuses the first attempt from an unknown sender on purpose'
            : 'the server is throttling, rate-limiting or greylisting this sender';
    return {
      title: `Temporary failure (${code}): retry later`,
      detail:
        `A ${code} means ${what}. Nothing is lost yet: a well-behaved sender keeps the message queued and retries ` +
        `with backoff (minutes, not seconds). Make sure your application or its queue retries instead of dropping the mail` +
        (code === 421 ? '; 421 also closes the connection, so reconnect for the retry.' : '.'),
    };
  }
  if (code === 552 || status === '5.3.4') {
    return {
      title: 'Message too large (552)',
      detail: 'The message exceeds the size the server accepts. Shrink attachments or send a link instead; retrying unchanged will fail again.',
    };
  }
  if (code >= 550 && code <= 559) {
    const missing = status === '5.1.1' || (code === 550 && /user unknown|does not exist|no such user/i.test(detail));
    // Read no further than the code says (RFC 3463): X.4.5 is congestion, which Gmail uses for its daily quota; X.7 is security or policy.
    const why = missing
      ? 'the mailbox does not exist (bad address, typo, or a deleted account)'
      : status === '5.4.5'
        ? 'the mail system is congested; Gmail answers 550 5.4.5 when the daily sending limit is used up'
        : status.startsWith('5.7.')
          ? 'the server refuses by policy (RFC 3463 X.7: security or policy status); the reply text names the policy'
          : 'the server refuses this message or recipient for good';
    const advice = missing ? 'Record the failure (a bounce) and stop sending to this address.' : 'Do not retry unchanged: record the failure and fix what the reply names.';
    return {
      title: `Permanent rejection (${code})`,
      detail: `A ${code} means ${why}. ${advice}`,
    };
  }
  switch (session.Outcome as string) {
    case 'dropped':
      return {
        title: 'Hung up without QUIT',
        detail: 'The client closed the connection without QUIT and without sending mail: often a client-side timeout, a TLS mismatch (a client expecting implicit TLS on a plain port), or a port probe.',
      };
    case 'disconnected':
      return {
        title: 'Connection dropped by the server',
        detail: 'mailsim cut the connection on purpose (a fault in the scenario). The application should treat this like a 4xx: reconnect and retry later.',
      };
    case 'blackholed':
      return {
        title: 'Accepted, then silently discarded',
        detail: 'The server answered 250 but kept nothing, as a provider does with mail it silently drops as spam. The sender cannot tell; only the recipient side (or a bounce later) reveals it.',
      };
    case 'tls-failed':
      return {
        title: 'TLS handshake failed',
        detail: 'The client and server could not agree on TLS: an untrusted, expired or mismatched certificate, an old protocol version, or implicit TLS against a STARTTLS port (or the other way round).',
      };
    case 'aborted':
      return {
        title: 'Message body cut off',
        detail: 'The client hung up (or stalled) while sending the message, so nothing was stored. A network problem or a client-side timeout shorter than the time it needs to send the body.',
      };
    case 'error':
      return {
        title: 'mailsim failed',
        detail: 'Something went wrong inside mailsim while it served this connection, so it answered 421 4.3.0 and closed it; the client should retry. The stack is in mailsim\'s log, under this session ID: please report it.',
      };
    case 'connection-test':
      return {
        title: 'Connection test',
        detail: 'The client reached the 354 reply and hung up without a body: a settings check such as Odoo\'s "Test Connection". Nothing was sent.',
      };
    default:
      return null;
  }
}

/** Transcript lines with their offset from the first line, and fault decisions marked. */
export interface TranscriptRow {
  offsetMs: number;
  gapMs: number;
  dir: TranscriptEntry['Dir'];
  text: string;
  fault: boolean;
}

export function transcriptRows(entries: readonly TranscriptEntry[]): TranscriptRow[] {
  const first = entries[0]?.At ?? 0;
  return entries.map((entry, i) => ({
    offsetMs: entry.At - first,
    gapMs: i === 0 ? 0 : entry.At - entries[i - 1]!.At,
    dir: entry.Dir,
    text: entry.Text,
    fault: entry.Dir === 'I' && /^fault\b/i.test(entry.Text),
  }));
}

/**
 * The user name of the last refused login, from the transcript's note (`AUTH PLAIN as "shop"
 * refused`): a session's User is only set by a successful AUTH, yet the name tried is what
 * someone debugging a 535 needs to see.
 */
export function refusedUser(entries: readonly TranscriptEntry[]): string | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (entry.Dir !== 'I') continue;
    const match = /^AUTH \S+ as "(.*)" refused$/.exec(entry.Text);
    if (match) return match[1]!;
  }
  return null;
}
