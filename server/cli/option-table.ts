/** Every mailsim flag: its placeholder, help line, default as shown, and how its text is read. */
import { CodedError } from '../errors/catalogue.js';
import type { ConfigInput } from '../config/config.js';
import { parseUiAuth } from '../http/security.js';
import { parseHostList } from '../http/cors.js';
import { parseDuration } from '../util/duration.js';
import { parseHostPort, parseListener, type HostPort, type ListenerSpec } from '../util/host-port.js';
import { parseSize } from '../util/size.js';
import { LOG_FORMATS, LOG_LEVELS } from '../ports/log.js';
import { POP3_MODES } from '../util/listener-modes.js';

/** A command line mailsim cannot act on: exit 2, as the catalogue's BAD_REQUEST says. */
export const usageError = (message: string): CodedError => new CodedError('BAD_REQUEST', message);

export interface OptionSpec {
  flag: string;
  /** One letter, where Mailpit has the same (-s, -q). */
  short?: string;
  key: keyof ConfigInput;
  /** Placeholder shown in --help and the README; absent for switches. */
  value?: string;
  multiple?: boolean;
  help: string;
  /** How the default reads to a human (the value itself lives in config.ts). */
  defaultText: string;
  parse?: (text: string) => unknown;
}

const must = <T>(parsed: T | undefined | string, flag: string, text: string, expected: string): T => {
  if (parsed === undefined || typeof parsed === 'string') {
    throw usageError(`--${flag}: ${typeof parsed === 'string' ? parsed : `expected ${expected}, got "${text}"`}`);
  }
  return parsed;
};

const positiveInt = (flag: string) => (text: string) => {
  const value = Number(text);
  return must(Number.isInteger(value) && value > 0 ? value : undefined, flag, text, 'a positive whole number');
};

/** "127.0.0.1:1110", "127.0.0.1:0,tls", "[::1]:995,tls". */
function parsePop3(text: string): (HostPort & { mode?: (typeof POP3_MODES)[number] }) | string {
  const [address = '', mode] = text.split(',', 2).map((part) => part.trim());
  const hostPort = parseHostPort(address);
  if (typeof hostPort === 'string' || mode === undefined) return hostPort;
  if (!(POP3_MODES as readonly string[]).includes(mode)) return `"${mode}" is not a POP3 mode (${POP3_MODES.join(', ')})`;
  return { ...hostPort, mode: mode as (typeof POP3_MODES)[number] };
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    flag: 'smtp',
    short: 's',
    key: 'smtp',
    value: 'HOST:PORT[=MODE,SCENARIO]',
    multiple: true,
    help: 'SMTP listener; repeat for several. MODE: auto, plain, starttls or tls. Port 0 picks a free port.',
    defaultText: '127.0.0.1:1025',
    parse: (text) => must<ListenerSpec>(parseListener(text), 'smtp', text, 'HOST:PORT[=MODE,SCENARIO]'),
  },
  {
    flag: 'http',
    key: 'http',
    value: 'HOST:PORT',
    help: 'Web UI and REST API address.',
    defaultText: '127.0.0.1:8025',
    parse: (text) => must<HostPort>(parseHostPort(text), 'http', text, 'HOST:PORT'),
  },
  {
    flag: 'db',
    key: 'db',
    value: 'PATH',
    help: 'SQLite database file; ":memory:" keeps nothing after exit.',
    defaultText: '<data dir>/mailsim.db',
  },
  {
    flag: 'max-messages',
    key: 'maxMessages',
    value: 'N',
    help: 'Messages kept; the oldest are deleted beyond this.',
    defaultText: '10000',
    parse: positiveInt('max-messages'),
  },
  {
    flag: 'max-sessions',
    key: 'maxSessions',
    value: 'N',
    help: 'SMTP session records kept; the oldest are deleted beyond this.',
    defaultText: '10000',
    parse: positiveInt('max-sessions'),
  },
  {
    flag: 'max-transcript-storage',
    key: 'maxTranscriptStorage',
    value: 'BYTES',
    help: 'Bytes session transcripts may take, open and stored; each session gets an equal share, keeping its start and end.',
    defaultText: '512MiB',
    parse: (text) => must(parseSize(text) || undefined, 'max-transcript-storage', text, 'a size such as 512MiB'),
  },
  {
    flag: 'max-message-size',
    key: 'maxMessageSize',
    value: 'BYTES',
    help: 'Largest message accepted (25MiB, 512k, 1048576); larger gets 552 5.3.4.',
    defaultText: '25MiB',
    parse: (text) => must(parseSize(text) || undefined, 'max-message-size', text, 'a size such as 25MiB or 1048576'),
  },
  {
    flag: 'max-data-memory',
    key: 'maxDataMemory',
    value: 'BYTES',
    help: 'Memory all messages being received may hold together; one that does not fit gets 452 4.3.1.',
    defaultText: '256MiB',
    parse: (text) => must(parseSize(text) || undefined, 'max-data-memory', text, 'a size such as 256MiB'),
  },
  {
    flag: 'max-recipients',
    key: 'maxRecipients',
    value: 'N',
    help: 'RCPT TO per message; more get 452 4.5.3 Too many recipients (as Postfix\'s smtpd_recipient_limit).',
    defaultText: '1000',
    parse: positiveInt('max-recipients'),
  },
  {
    flag: 'max-age',
    key: 'maxAge',
    value: 'DURATION',
    help: 'Delete messages and sessions older than this (7d, 12h); 0 keeps them.',
    defaultText: '0 (keep)',
    parse: (text) => must(parseDuration(text), 'max-age', text, 'a duration such as 7d or 12h'),
  },
  {
    flag: 'hostname',
    key: 'hostname',
    value: 'NAME',
    help: 'Name in the SMTP banner and EHLO reply.',
    defaultText: 'this machine\'s host name',
  },
  {
    flag: 'idle-timeout',
    key: 'idleTimeout',
    value: 'DURATION',
    help: 'Close SMTP connections idle this long with 421 (RFC 5321 asks for at least 5m).',
    defaultText: '5m',
    parse: (text) => must(parseDuration(text) || undefined, 'idle-timeout', text, 'a duration such as 5m or 30s'),
  },
  {
    flag: 'scenario',
    key: 'scenario',
    value: 'NAME',
    help: 'Scenario for listeners that do not name one (see GET /api/v1/scenarios).',
    defaultText: 'default',
  },
  {
    flag: 'scenarios',
    key: 'scenarios',
    value: 'DIR',
    help: 'Directory of your scenario files (YAML/JSON), watched for changes.',
    defaultText: 'none',
  },
  {
    flag: 'seed',
    key: 'seed',
    value: 'N',
    help: "Seed for every scenario's random faults (overrides the files' seed).",
    defaultText: "each scenario's own",
    parse: (text) => must(/^\d+$/.test(text) ? Number(text) : undefined, 'seed', text, 'a whole number'),
  },
  {
    flag: 'ui-auth',
    key: 'uiAuth',
    value: 'USER:PASSWORD',
    help: 'Require HTTP basic auth for the web UI, the API and the WebSocket (not /livez, /readyz).',
    defaultText: 'off',
    parse: (text) => must(parseUiAuth(text), 'ui-auth', text, 'USER:PASSWORD'),
  },
  {
    flag: 'ui-auth-file',
    key: 'uiAuthFile',
    value: 'FILE',
    help: 'Like --ui-auth for every user of an htpasswd file (bcrypt, MD5, SHA-1 or plain; Mailpit\'s --ui-auth-file).',
    defaultText: 'off',
  },
  {
    flag: 'smtp-auth-file',
    key: 'smtpAuthFile',
    value: 'FILE',
    help: 'SMTP AUTH must name a user of this htpasswd file with the right password (535 5.7.8 otherwise), and MAIL needs AUTH (530 5.7.0).',
    defaultText: 'off (any user and password)',
  },
  {
    flag: 'smtp-auth-accept-any',
    key: 'smtpAuthAcceptAny',
    help: 'Accept any SMTP user and password, or none: what mailsim does without --smtp-auth-file (Mailpit\'s flag, kept for its command lines).',
    defaultText: 'on unless --smtp-auth-file',
  },
  {
    flag: 'webroot',
    key: 'webroot',
    value: 'PATH',
    help: 'Serve the web UI, the API and the live feed under this path prefix (/mail/), for a reverse proxy.',
    defaultText: '/',
  },
  {
    flag: 'api-cors',
    key: 'apiCors',
    value: 'HOSTS',
    help: "Let browser pages on these hosts (comma-separated, or * for any) use the API (CORS), as Mailpit's --api-cors.",
    defaultText: 'none',
    parse: (text) => must(parseHostList(text), 'api-cors', text, 'host names, comma-separated, or *'),
  },
  {
    flag: 'allowed-hosts',
    key: 'allowedHosts',
    value: 'HOSTS',
    help: 'Host header names accepted besides loopback ones, e.g. behind a reverse proxy (comma-separated).',
    defaultText: 'loopback names only',
    parse: (text) => must(parseHostList(text)?.filter((h) => h !== '*'), 'allowed-hosts', text, 'host names, comma-separated'),
  },
  {
    flag: 'allow-internal-http-requests',
    key: 'allowInternalHttpRequests',
    help: "Let the link check (GET /api/v1/message/{ID}/link-check) reach loopback and private addresses, as Mailpit's flag.",
    defaultText: 'off (451 Blocked private/reserved address)',
  },
  // --smtp-relay-*: POST /api/v1/message/{ID}/release (Mailpit's relay settings).
  {
    flag: 'smtp-relay-host',
    key: 'smtpRelayHost',
    value: 'HOST',
    help: 'Release messages (POST /api/v1/message/{ID}/release, the UI\'s Release) to this SMTP server.',
    defaultText: 'off',
  },
  { flag: 'smtp-relay-port', key: 'smtpRelayPort', value: 'PORT', help: 'Port of the relay server.', defaultText: '25', parse: positiveInt('smtp-relay-port') },
  { flag: 'smtp-relay-starttls', key: 'smtpRelayStarttls', help: 'Upgrade the relay connection with STARTTLS (and fail if it is not offered).', defaultText: 'off' },
  { flag: 'smtp-relay-tls', key: 'smtpRelayTls', help: 'Implicit TLS to the relay server (port 465).', defaultText: 'off' },
  {
    flag: 'smtp-relay-allow-insecure',
    key: 'smtpRelayAllowInsecure',
    help: "Accept any certificate from the relay server (the system's CAs and mailsim's own CA are trusted otherwise).",
    defaultText: 'off',
  },
  {
    flag: 'smtp-relay-auth',
    key: 'smtpRelayAuth',
    value: 'USER:PASSWORD',
    help: 'Log in to the relay server (AUTH PLAIN or LOGIN, as it offers).',
    defaultText: 'no AUTH',
    parse: (text) => must(parseUiAuth(text), 'smtp-relay-auth', text, 'USER:PASSWORD'),
  },
  {
    flag: 'smtp-relay-allowed-recipients',
    key: 'smtpRelayAllowedRecipients',
    value: 'REGEX',
    help: 'Only release to recipients matching this regex (RE2 syntax, case-sensitive; 400 otherwise).',
    defaultText: 'any recipient',
  },
  { flag: 'smtp-relay-all', key: 'smtpRelayAll', help: 'Also relay every message received to its envelope recipients (allowed ones only).', defaultText: 'off' },
  // Mailpit's relay config file and auto-relay by recipient (html-check branch).
  {
    flag: 'smtp-relay-config',
    key: 'smtpRelayConfig',
    value: 'FILE',
    help: "Mailpit's relay config (YAML: host, port, starttls, tls, allow-insecure, auth, username, password, secret, return-path, override-from, allowed-recipients, blocked-recipients, preserve-message-ids), instead of --smtp-relay-host and the rest.",
    defaultText: 'off',
  },
  {
    flag: 'smtp-relay-matching',
    key: 'smtpRelayMatching',
    value: 'REGEX',
    help: 'Also relay each message received to those of its envelope recipients matching this regex (RE2 syntax, case-sensitive); ignored with --smtp-relay-all.',
    defaultText: 'off',
  },
  {
    flag: 'tls-cert',
    key: 'tlsCert',
    value: 'FILE',
    help: 'PEM certificate (chain) for STARTTLS and implicit TLS, instead of one from mailsim\'s CA.',
    defaultText: 'issued by mailsim',
  },
  { flag: 'tls-key', key: 'tlsKey', value: 'FILE', help: 'PEM private key for --tls-cert.', defaultText: 'issued by mailsim' },
  {
    flag: 'tls-dir',
    key: 'tlsDir',
    value: 'DIR',
    help: "Where mailsim keeps its CA and certificates (see mailsim cert).",
    defaultText: '<data dir>/tls',
  },
  {
    flag: 'webhook',
    key: 'webhook',
    value: 'URL',
    multiple: true,
    help: 'POST each new message summary (JSON) to this URL; repeat for several. Retried with backoff.',
    defaultText: 'none',
    parse: (text) => must(/^https?:\/\/\S+$/i.test(text) && URL.canParse(text) ? { url: text } : undefined, 'webhook', text, 'an http:// or https:// URL').url,
  },
  {
    flag: 'webhook-events',
    key: 'webhookEvents',
    value: 'LIST',
    help: 'What webhooks get: messages, sessions (closed SMTP sessions), or both comma-separated.',
    defaultText: 'messages',
    parse: (text) => must(listOf(text, ['messages', 'sessions']), 'webhook-events', text, 'messages, sessions or messages,sessions'),
  },
  // POP3 (issue 13): one block, so merges stay mechanical.
  {
    flag: 'pop3',
    key: 'pop3',
    value: 'HOST:PORT[,MODE]',
    help: 'POP3 listener: each address gets a maildrop of the mail addressed to it (bounces, replies). MODE: starttls (STLS), plain or tls (implicit, 995 style). Port 0 picks a free port.',
    defaultText: 'off',
    parse: (text) => must(parsePop3(text), 'pop3', text, 'HOST:PORT[,MODE]'),
  },
  {
    flag: 'pop3-auth-file',
    key: 'pop3AuthFile',
    value: 'FILE',
    help: 'POP3 logins must name a user of this htpasswd file (the mailbox address) with its password (Mailpit\'s --pop3-auth-file).',
    defaultText: 'off (any password opens any mailbox)',
  },
  // Bounces (issue 13): provider event webhooks and the bounce relay.
  {
    flag: 'provider-events',
    key: 'providerEvents',
    value: 'PROVIDER=URL',
    multiple: true,
    help: 'POST each delivery event (delivered, deferred, bounced) to URL in a provider\'s webhook format: sendgrid, ses, mailgun or postmark; repeat for several.',
    defaultText: 'none',
    parse: (text) => {
      const match = /^(sendgrid|ses|mailgun|postmark)=(https?:\/\/\S+)$/i.exec(text);
      return must(match && URL.canParse(match[2]!) ? { provider: match[1]!.toLowerCase(), url: match[2] } : undefined, 'provider-events', text, 'PROVIDER=URL with PROVIDER one of sendgrid, ses, mailgun, postmark');
    },
  },
  {
    flag: 'mailgun-signing-key',
    key: 'mailgunSigningKey',
    value: 'KEY',
    help: 'The HTTP webhook signing key Mailgun-format events are signed with.',
    defaultText: 'random (GET /api/v1/provider-events/keys)',
  },
  {
    flag: 'bounce-relay',
    key: 'bounceRelay',
    value: 'URL',
    help: 'Also deliver every bounce (DSN) over SMTP to smtp://host:port or smtps://host:port, the application\'s inbound endpoint; retried.',
    defaultText: 'off',
    parse: (text) => must(/^smtps?:\/\/[^/\s]+\/?$/i.test(text) && URL.canParse(text) ? { url: text } : undefined, 'bounce-relay', text, 'smtp://host:port or smtps://host:port').url,
  },
  {
    flag: 'tags-username',
    key: 'tagsUsername',
    help: 'Tag each message with the authenticated SMTP user name.',
    defaultText: 'off',
  },
  {
    flag: 'tags-disable',
    key: 'tagsDisable',
    value: 'LIST',
    help: 'Automatic tags to turn off: plus-addresses, x-tags (comma-separated).',
    defaultText: 'none',
    parse: (text) => must(listOf(text, ['plus-addresses', 'x-tags']), 'tags-disable', text, 'plus-addresses, x-tags or both comma-separated'),
  },
  {
    flag: 'dns-file',
    key: 'dnsFile',
    value: 'FILE',
    help: 'DNS records (YAML or JSON: name → TXT/MX/A/AAAA) that the DKIM, SPF and DMARC checks answer from; a scenario\'s dns: adds to them.',
    defaultText: 'none',
  },
  {
    flag: 'dns',
    key: 'dnsLookups',
    help: 'Let the DKIM, SPF and DMARC checks look up names nobody declared on the network; without it those names do not exist.',
    defaultText: 'off (no network lookups)',
  },
  { flag: 'quiet', short: 'q', key: 'quiet', help: 'Print nothing but warnings and errors: no banner, log level warn unless --log-level is given.', defaultText: 'off' },
  {
    flag: 'log-level',
    key: 'logLevel',
    value: 'LEVEL',
    help: 'Least severe log lines written to stderr: trace, debug, info, warn, error, fatal or silent.',
    defaultText: 'info',
    parse: (text) => must(boxed(oneOf(text, LOG_LEVELS)), 'log-level', text, LOG_LEVELS.join(', ')).value,
  },
  {
    flag: 'log-format',
    key: 'logFormat',
    value: 'FORMAT',
    help: 'pretty (human-readable) or json (one object per line, for CI and containers).',
    defaultText: 'pretty',
    parse: (text) => must(boxed(oneOf(text, LOG_FORMATS)), 'log-format', text, 'pretty or json').value,
  },
];

/** must() reads a string as its error message, so string results travel in a box. */
const boxed = <T>(value: T | undefined): { value: T } | undefined => (value === undefined ? undefined : { value });

function oneOf<T extends string>(text: string, allowed: readonly T[]): T | undefined {
  const value = text.trim().toLowerCase();
  return allowed.find((item) => item === value);
}

/** "a,b" → ["a", "b"] when every item is one of `allowed`. */
function listOf(text: string, allowed: readonly string[]): string[] | undefined {
  const items = text.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
  return items.length && items.every((item) => allowed.includes(item)) ? [...new Set(items)] : undefined;
}
