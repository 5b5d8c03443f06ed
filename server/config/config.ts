import { hostname } from 'node:os';
import { z } from 'zod';
import { join } from 'node:path';
import { defaultDataDir, defaultDbPath } from './data-dir.js';
import { LOG_FORMATS } from '../log/pino-log.js';
import { LISTENER_MODES, POP3_MODES } from '../util/listener-modes.js';
import { LOG_LEVELS } from '../ports/log.js';
import { WEBHOOK_EVENT_KINDS } from '../webhooks/dispatcher.js';

const hostPort = z.object({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65_535),
});


/**
 * One SMTP listener. `auto` offers STARTTLS exactly when the scenario's persona does; `plain`
 * never offers TLS; `starttls` always offers it; `tls` is implicit TLS (SMTPS, port 465 style).
 */
const listener = hostPort.extend({
  scenario: z.string().min(1).optional().describe('scenario for this listener; --scenario otherwise'),
  mode: z.enum(LISTENER_MODES).default('auto'),
});

export { POP3_MODES };
const pop3Listener = hostPort.extend({ mode: z.enum(POP3_MODES).default('starttls') });

/**
 * Everything mailsim can be told at start-up, with its default. The CLI, the environment
 * variables, the in-process test helper and the README's option table all follow this list.
 */
export const configSchema = z.object({
  smtp: z.array(listener).min(1).default([{ host: '127.0.0.1', port: 1025, mode: 'auto' }]),
  http: hostPort.default({ host: '127.0.0.1', port: 8025 }),
  db: z.string().min(1).default(() => defaultDbPath()),
  maxMessages: z.number().int().positive().default(10_000),
  maxSessions: z.number().int().positive().default(10_000),
  maxMessageSize: z.number().int().positive().default(25 * 1024 * 1024),
  /**
   * Bytes that messages being received may hold in memory, over all connections; a message
   * that does not fit is refused with 452 4.3.1. Ten messages at the default 25 MiB limit.
   */
  maxDataMemory: z.number().int().positive().default(256 * 1024 * 1024),
  /** RCPT TO per message; Postfix's smtpd_recipient_limit defaults to 1000 too. */
  maxRecipients: z.number().int().positive().default(1000),
  /**
   * Bytes session transcripts may take, open and stored together; each session gets an equal
   * share. 512 MiB: the default 10,000 sessions then keep ~48 KiB each, 20 times what a normal
   * session needs, while a flood of long commands can no longer fill the disk.
   */
  maxTranscriptStorage: z.number().int().positive().default(512 * 1024 * 1024),
  /** Milliseconds; 0 keeps messages until --max-messages pushes them out. */
  maxAge: z.number().int().nonnegative().default(0),
  hostname: z.string().min(1).default(() => hostname()),
  /** RFC 5321 §4.5.3.2.7: a server should wait at least 5 minutes for the next command. */
  idleTimeout: z.number().int().positive().default(5 * 60_000),
  /** Scenario of listeners that do not name one. */
  scenario: z.string().min(1).default('default'),
  /** A directory of the user's scenario files (same names override the built-ins). */
  scenarios: z.string().min(1).optional(),
  /** Overrides every scenario's seed (same seed, same faults). */
  seed: z.number().int().nonnegative().optional(),
  /** HTTP basic credentials for the web UI, the API and the WebSocket; none by default. */
  uiAuth: z.object({ user: z.string().min(1), password: z.string().min(1) }).optional(),
  /**
   * htpasswd files (bcrypt, Apache MD5, SHA-1 or plain entries, several users), as Mailpit's
   * --ui-auth-file and --smtp-auth-file; `*AuthText` carries the same entries inline
   * (Mailpit's MP_UI_AUTH / MP_SMTP_AUTH: "user1:pass1 user2:pass2").
   */
  uiAuthFile: z.string().min(1).optional(),
  uiAuthText: z.string().min(1).optional(),
  smtpAuthFile: z.string().min(1).optional(),
  smtpAuthText: z.string().min(1).optional(),
  /** POP3 for the maildrops (bounces, replies, simulated inbound mail); off by default. */
  pop3: pop3Listener.optional(),
  /** htpasswd entries POP3 logins must match (Mailpit's --pop3-auth-file, MP_POP3_AUTH); any password otherwise. */
  pop3AuthFile: z.string().min(1).optional(),
  pop3AuthText: z.string().min(1).optional(),
  /** Mailpit's --smtp-auth-accept-any: what mailsim does anyway without --smtp-auth-file. */
  smtpAuthAcceptAny: z.boolean().default(false),
  /** Path prefix of the web UI and the API (Mailpit's --webroot): "/mail/" serves /mail/api/v1/... */
  webroot: z
    .string()
    // Mailpit's rule (config.go): letters, digits and / - _ . @ only, so the prefix needs no escaping.
    .regex(/^[0-9a-zA-Z/\-_.@]*$/, 'only letters, digits and / - _ . @ are allowed')
    .default('/')
    .transform(normalizeWebroot),
  /** Mailpit's --api-cors: host names (or `*`) whose pages may use the API from a browser. */
  apiCors: z.array(z.string().min(1)).default([]),
  /** Host names accepted in the Host header besides loopback ones (behind a reverse proxy). */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** Your own certificate and key (PEM files) instead of the one mailsim issues from its CA. */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  /** Where mailsim keeps its CA and certificates; the data directory's tls/ by default. */
  tlsDir: z.string().min(1).default(() => join(defaultDataDir(), 'tls')),
  /** URLs that get each new message (and, with webhookEvents, each closed session) POSTed. */
  webhook: z.array(z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })).default([]),
  webhookEvents: z.array(z.enum(WEBHOOK_EVENT_KINDS)).min(1).default(['messages']),
  // Bounces (issue 13): provider event webhooks built from delivery events, and a second
  // delivery of every DSN over SMTP to the application's inbound endpoint.
  /** Each delivery event POSTed to the URL in that provider's format, signed as it signs. */
  providerEvents: z
    .array(z.object({ provider: z.enum(['sendgrid', 'ses', 'mailgun', 'postmark']), url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }) }).strict())
    .default([]),
  /** Mailgun's HTTP webhook signing key; a random one when absent (GET /api/v1/provider-events/keys shows it). */
  mailgunSigningKey: z.string().min(1).optional(),
  /** smtp://host:port or smtps://host:port: each DSN is also delivered there. */
  bounceRelay: z.url({ protocol: /^smtps?$/, error: 'expected smtp://host:port or smtps://host:port' }).optional(),
  /** Tag each message with the authenticated SMTP user name (Mailpit's --tags-username). */
  tagsUsername: z.boolean().default(false),
  /** Automatic tag sources to turn off (Mailpit's --tags-disable). */
  tagsDisable: z.array(z.enum(['plus-addresses', 'x-tags'])).default([]),
  /** --dns-file: DNS records (YAML or JSON) the message checks answer from, under each scenario's own `dns:`. */
  dnsFile: z.string().min(1).optional(),
  /** --dns: names nobody declared are looked up on the network; without it they do not exist. */
  dnsLookups: z.boolean().default(false),
  /** Mailpit's --allow-internal-http-requests: the link check may reach loopback and private addresses. */
  allowInternalHttpRequests: z.boolean().default(false),
  /** --smtp-relay-*: where POST /api/v1/message/{ID}/release sends (Mailpit's relay settings). */
  smtpRelayHost: z.string().min(1).optional(),
  smtpRelayPort: z.number().int().min(1).max(65535).default(25),
  smtpRelayStarttls: z.boolean().default(false),
  smtpRelayTls: z.boolean().default(false),
  smtpRelayAllowInsecure: z.boolean().default(false),
  smtpRelayAuth: z.object({ user: z.string().min(1), password: z.string().min(1) }).optional(),
  /** MP_SMTP_RELAY_USERNAME / MP_SMTP_RELAY_PASSWORD, the same as --smtp-relay-auth. */
  smtpRelayUser: z.string().min(1).optional(),
  smtpRelayPassword: z.string().min(1).optional(),
  smtpRelayAllowedRecipients: z.string().min(1).optional(),
  /** Relay every message received to its envelope recipients, as well as storing it. */
  smtpRelayAll: z.boolean().default(false),
  /** Mailpit's --smtp-relay-config: the relay settings as a YAML file (instead of --smtp-relay-host and the rest). */
  smtpRelayConfig: z.string().min(1).optional(),
  /** Mailpit's --smtp-relay-matching: relay each message received to its recipients matching this (RE2). */
  smtpRelayMatching: z.string().min(1).optional(),
  /** Print no start-up banner. */
  quiet: z.boolean().default(false),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  /** Human-readable lines, or one JSON object per line for CI and containers. */
  logFormat: z.enum(LOG_FORMATS).default('pretty'),
})
.refine((config) => !(config.smtpAuthAcceptAny && (config.smtpAuthFile || config.smtpAuthText)), {
  // Mailpit refuses the same pair: accepting anyone and checking a file contradict each other.
  message: 'cannot be used with --smtp-auth-file',
  path: ['smtpAuthAcceptAny'],
})
.refine((config) => !(config.smtpRelayStarttls || config.smtpRelayTls) || config.smtpRelayHost !== undefined, {
  message: 'needs --smtp-relay-host',
  path: ['smtpRelayHost'],
})
.refine((config) => !(config.smtpRelayAll || config.smtpRelayMatching) || config.smtpRelayHost !== undefined || config.smtpRelayConfig !== undefined, {
  // Mailpit: "a relay configuration must be set to auto-relay any messages".
  message: 'needs --smtp-relay-host or --smtp-relay-config',
  path: ['smtpRelayHost'],
})
.refine((config) => !(config.smtpRelayConfig && config.smtpRelayHost), {
  message: 'give the relay either as --smtp-relay-config FILE or as --smtp-relay-host and the other --smtp-relay-* options, not both',
  path: ['smtpRelayConfig'],
})
.refine((config) => !(config.smtpRelayStarttls && config.smtpRelayTls), {
  message: '--smtp-relay-starttls and --smtp-relay-tls exclude each other',
  path: ['smtpRelayTls'],
})
.refine((config) => (config.tlsCert === undefined) === (config.tlsKey === undefined), {
  message: '--tls-cert and --tls-key go together',
  path: ['tlsKey'],
});

/** "mail", "/mail", "mail/" → "/mail/"; "" → "/"; dots never climb ("/a/../b" stays a prefix of its own). */
export function normalizeWebroot(text: string): string {
  const segments = text.split('/').filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
  return segments.length ? `/${segments.join('/')}/` : '/';
}

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
