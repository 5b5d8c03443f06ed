import type { ConfigInput } from '../config/config.js';

/**
 * Mailpit's command-line flags and MP_* environment variables (cmd/root.go), so a Mailpit
 * command line or container environment starts mailsim unchanged. Each one sets the mailsim
 * option named by `to` (converted by `map` where Mailpit's value reads differently), sets a
 * config key directly (`key`), is already what mailsim does (`same`), or has no meaning here
 * (`ignored`: mailsim warns once and goes on, as Mailpit itself does for deprecated names).
 */
interface MailpitSetting {
  flag?: string;
  short?: string;
  env?: string[];
  /** A flag without a value (Go's bool flags). */
  switch?: true;
  /** The mailsim option (its flag) this sets. */
  to?: string;
  /** A config key without a flag of its own (MP_UI_AUTH's inline entries). */
  key?: keyof ConfigInput;
  /** Mailpit's text → the mailsim option's text; a string starting with "!" is a warning instead. */
  map?: (text: string) => string;
  /** Why mailsim does the same already: accepted silently. */
  same?: string;
  /** Why it has no meaning in mailsim: accepted with a warning. */
  ignored?: string;
}

const NO_HTTPS = 'the web UI is served over plain HTTP; put a TLS proxy in front';
const NO_RELAY = 'mailsim does not forward captured mail (it can release them: --smtp-relay-host)';

/** Mailpit's limits read 0 as "no limit"; mailsim always keeps one. */
const positiveOrWarn = (text: string) => (/^0*$/.test(text.trim()) ? `!0 (no limit) has no mailsim equivalent; the default limit stays` : text);

export const MAILPIT_SETTINGS: readonly MailpitSetting[] = [
  // General
  { flag: 'database', short: 'd', env: ['MP_DATABASE', 'MP_DATA_FILE'], to: 'db' },
  { flag: 'db-file', to: 'db' },
  { flag: 'max', short: 'm', env: ['MP_MAX_MESSAGES'], to: 'max-messages', map: positiveOrWarn },
  { env: ['MP_MAX_AGE'], to: 'max-age' },
  // Mailpit counts the size in MB (the --max-message-size flag stays mailsim's, which reads units).
  { env: ['MP_MAX_MESSAGE_SIZE'], to: 'max-message-size', map: (text) => (/^0*$/.test(text.trim()) ? '!0 (unlimited) has no mailsim equivalent; the default 25MiB stays' : /^\d+$/.test(text.trim()) ? `${text.trim()}MiB` : text) },
  { env: ['MP_QUIET'], to: 'quiet', switch: true },
  { flag: 'verbose', env: ['MP_VERBOSE'], switch: true, to: 'log-level', map: () => 'debug' },
  { flag: 'disable-version-check', env: ['MP_DISABLE_VERSION_CHECK'], switch: true, same: 'mailsim never checks for updates' },
  { flag: 'disable-wal', env: ['MP_DISABLE_WAL'], switch: true, ignored: 'mailsim always uses SQLite WAL (keep the database on a local disk)' },
  { flag: 'disable-auto-vacuum', env: ['MP_DISABLE_AUTO_VACUUM'], switch: true, ignored: 'mailsim manages its database itself' },
  { flag: 'compression', env: ['MP_COMPRESSION'], ignored: 'mailsim stores messages uncompressed' },
  { flag: 'label', env: ['MP_LABEL'], ignored: 'the UI has no instance label' },
  { flag: 'tenant-id', env: ['MP_TENANT_ID'], ignored: 'one database holds one mailbox; use another --db' },
  { flag: 'use-message-dates', env: ['MP_USE_MESSAGE_DATES'], switch: true, ignored: 'messages are dated when received' },
  { flag: 'ignore-duplicate-ids', env: ['MP_IGNORE_DUPLICATE_IDS'], switch: true, ignored: 'every message received is kept' },
  { flag: 'log-file', env: ['MP_LOG_FILE'], ignored: 'logs go to stderr; redirect them' },
  // Web UI and API
  { flag: 'listen', short: 'l', env: ['MP_UI_BIND_ADDR'], to: 'http' },
  { env: ['MP_WEBROOT'], to: 'webroot' },
  { env: ['MP_UI_AUTH_FILE'], to: 'ui-auth-file' },
  { env: ['MP_UI_AUTH'], key: 'uiAuthText' },
  { flag: 'ui-tls-cert', env: ['MP_UI_TLS_CERT', 'MP_UI_SSL_CERT'], ignored: NO_HTTPS },
  { flag: 'ui-tls-key', env: ['MP_UI_TLS_KEY', 'MP_UI_SSL_KEY'], ignored: NO_HTTPS },
  { flag: 'ui-ssl-cert', ignored: NO_HTTPS },
  { flag: 'ui-ssl-key', ignored: NO_HTTPS },
  { flag: 'block-remote-css-and-fonts', env: ['MP_BLOCK_REMOTE_CSS_AND_FONTS'], switch: true, same: 'the preview loads nothing remote until you allow it' },
  { env: ['MP_ALLOW_INTERNAL_HTTP_REQUESTS'], switch: true, to: 'allow-internal-http-requests' },
  { flag: 'disable-link-check-rate-limit', env: ['MP_DISABLE_LINK_CHECK_RATE_LIMIT'], switch: true, ignored: 'the link check bounds how many requests run at once, with no rate limit' },
  { flag: 'enable-spamassassin', env: ['MP_ENABLE_SPAMASSASSIN'], ignored: 'mailsim has no SpamAssassin integration' },
  { flag: 'allow-untrusted-tls', env: ['MP_ALLOW_UNTRUSTED_TLS'], switch: true, ignored: 'mailsim makes no outgoing HTTPS requests for messages' },
  { flag: 'disable-http-compression', env: ['MP_DISABLE_HTTP_COMPRESSION'], switch: true, same: 'mailsim does not compress HTTP responses' },
  { flag: 'hide-delete-all-button', env: ['MP_HIDE_DELETE_ALL_BUTTON'], switch: true, ignored: 'the UI always offers delete all' },
  { flag: 'send-api-auth-file', env: ['MP_SEND_API_AUTH_FILE'], ignored: 'mailsim has no send API of its own auth' },
  { env: ['MP_SEND_API_AUTH'], ignored: 'mailsim has no send API of its own auth' },
  { flag: 'send-api-auth-accept-any', env: ['MP_SEND_API_AUTH_ACCEPT_ANY'], switch: true, ignored: 'mailsim has no send API of its own auth' },
  // SMTP
  { env: ['MP_SMTP_BIND_ADDR'], to: 'smtp' },
  { env: ['MP_SMTP_AUTH_FILE'], to: 'smtp-auth-file' },
  { env: ['MP_SMTP_AUTH'], key: 'smtpAuthText' },
  { env: ['MP_SMTP_AUTH_ACCEPT_ANY'], to: 'smtp-auth-accept-any', switch: true },
  { flag: 'smtp-auth-allow-insecure', env: ['MP_SMTP_AUTH_ALLOW_INSECURE'], switch: true, same: 'mailsim takes AUTH without TLS unless the scenario\'s persona hides it' },
  { flag: 'smtp-tls-cert', env: ['MP_SMTP_TLS_CERT', 'MP_SMTP_SSL_CERT'], to: 'tls-cert' },
  { flag: 'smtp-tls-key', env: ['MP_SMTP_TLS_KEY', 'MP_SMTP_SSL_KEY'], to: 'tls-key' },
  { flag: 'smtp-ssl-cert', to: 'tls-cert' },
  { flag: 'smtp-ssl-key', to: 'tls-key' },
  { flag: 'smtp-require-starttls', env: ['MP_SMTP_REQUIRE_STARTTLS', 'MP_SMTP_TLS_REQUIRED'], switch: true, ignored: 'use a scenario whose persona requires TLS (auth.requireTls) and --smtp HOST:PORT=starttls' },
  { flag: 'smtp-tls-required', switch: true, ignored: 'use a scenario whose persona requires TLS and --smtp HOST:PORT=starttls' },
  { flag: 'smtp-require-tls', env: ['MP_SMTP_REQUIRE_TLS'], switch: true, ignored: 'use --smtp HOST:PORT=tls for implicit TLS' },
  { flag: 'smtp-strict-rfc-headers', env: ['MP_SMTP_STRICT_RFC_HEADERS', 'MP_STRICT_RFC_HEADERS'], switch: true, ignored: 'use a scenario rule to refuse such messages' },
  { flag: 'smtp-max-recipients', env: ['MP_SMTP_MAX_RECIPIENTS'], to: 'max-recipients', map: positiveOrWarn },
  { flag: 'smtp-allowed-recipients', env: ['MP_SMTP_ALLOWED_RECIPIENTS'], ignored: 'use a scenario rule on rcpt to refuse recipients' },
  { flag: 'smtp-ignore-rejected-recipients', env: ['MP_SMTP_IGNORE_REJECTED_RECIPIENTS'], switch: true, ignored: 'use a scenario rule on rcpt' },
  { flag: 'smtp-disable-rdns', env: ['MP_SMTP_DISABLE_RDNS'], switch: true, same: 'mailsim never looks up reverse DNS' },
  // Relay, forwarding, chaos, POP3, tags, metrics, webhooks
  { env: ['MP_SMTP_RELAY_CONFIG'], to: 'smtp-relay-config' },
  { env: ['MP_SMTP_RELAY_ALL'], switch: true, to: 'smtp-relay-all' },
  { env: ['MP_SMTP_RELAY_MATCHING'], to: 'smtp-relay-matching' },
  { env: ['MP_SMTP_RELAY_HOST'], to: 'smtp-relay-host' },
  { env: ['MP_SMTP_RELAY_PORT'], to: 'smtp-relay-port' },
  { env: ['MP_SMTP_RELAY_STARTTLS'], switch: true, to: 'smtp-relay-starttls' },
  { env: ['MP_SMTP_RELAY_TLS'], switch: true, to: 'smtp-relay-tls' },
  { env: ['MP_SMTP_RELAY_ALLOW_INSECURE'], switch: true, to: 'smtp-relay-allow-insecure' },
  { env: ['MP_SMTP_RELAY_USERNAME'], key: 'smtpRelayUser' },
  { env: ['MP_SMTP_RELAY_PASSWORD'], key: 'smtpRelayPassword' },
  { env: ['MP_SMTP_RELAY_ALLOWED_RECIPIENTS'], to: 'smtp-relay-allowed-recipients' },
  { flag: 'smtp-forward-config', env: ['MP_SMTP_FORWARD_CONFIG', 'MP_SMTP_FORWARD_HOST', 'MP_SMTP_FORWARD_TO'], ignored: NO_RELAY },
  { flag: 'enable-chaos', env: ['MP_ENABLE_CHAOS'], switch: true, same: 'faults are always on: scenarios and POST /api/v1/faults' },
  { flag: 'chaos-triggers', env: ['MP_CHAOS_TRIGGERS'], ignored: 'describe faults in a scenario file (--scenarios) or POST /api/v1/faults' },
  // --pop3 and --pop3-auth-file are mailsim's own flags, with Mailpit's names. Mailpit serves every
  // message to each POP3 user; mailsim serves each address its own maildrop.
  { env: ['MP_POP3_BIND_ADDR'], to: 'pop3' },
  { env: ['MP_POP3_AUTH_FILE'], to: 'pop3-auth-file' },
  { env: ['MP_POP3_AUTH'], key: 'pop3AuthText' },
  // One certificate serves SMTP and POP3 here; Mailpit's POP3 with a certificate is implicit TLS: add ",tls" to --pop3.
  { flag: 'pop3-tls-cert', env: ['MP_POP3_TLS_CERT'], to: 'tls-cert' },
  { flag: 'pop3-tls-key', env: ['MP_POP3_TLS_KEY'], to: 'tls-key' },
  { flag: 'tag', short: 't', env: ['MP_TAG'], ignored: 'tags come from X-Tags, plus-addresses and --tags-username' },
  { flag: 'tags-config', env: ['MP_TAGS_CONFIG'], ignored: 'tags come from X-Tags, plus-addresses and --tags-username' },
  { flag: 'tags-title-case', env: ['MP_TAGS_TITLE_CASE'], switch: true, ignored: 'tags keep their case' },
  { env: ['MP_TAGS_DISABLE'], to: 'tags-disable' },
  { env: ['MP_TAGS_USERNAME'], to: 'tags-username', switch: true },
  {
    flag: 'enable-prometheus',
    env: ['MP_ENABLE_PROMETHEUS'],
    same: 'GET /metrics is always served on the --http address',
    map: (text) => (/^(true|false)$/i.test(text.trim()) ? '' : `!mailsim serves GET /metrics on the --http address only, not on ${text}`),
  },
  { flag: 'webhook-url', env: ['MP_WEBHOOK_URL'], to: 'webhook' },
  { flag: 'webhook-limit', env: ['MP_WEBHOOK_LIMIT'], ignored: 'webhooks are queued per URL and retried with backoff' },
  { flag: 'webhook-delay', env: ['MP_WEBHOOK_DELAY'], ignored: 'webhooks are sent at once' },
  { flag: 'disable-html-check', env: ['MP_DISABLE_HTML_CHECK'], switch: true, ignored: 'deprecated in Mailpit, no longer used' },
  { env: ['MP_DEMO_MODE'], switch: true, ignored: 'mailsim has no demo mode' },
];

type Raw = string | boolean;

export interface MailpitValues {
  /** mailsim flag → text (or true) given with a Mailpit flag. */
  flags: Map<string, Raw[]>;
  /** mailsim flag → text (or true) given with an MP_* variable. */
  env: Map<string, Raw[]>;
  /** Config keys set directly (MP_UI_AUTH, MP_SMTP_AUTH). */
  keys: Partial<Record<keyof ConfigInput, string>>;
  /** One line per setting that has no meaning here. */
  warnings: string[];
}

/** parseArgs definitions of Mailpit's flags. */
export function mailpitFlagOptions(): Record<string, { type: 'string' | 'boolean'; short?: string; multiple: true }> {
  return Object.fromEntries(
    MAILPIT_SETTINGS.filter((s) => s.flag).map((s) => [s.flag!, { type: s.switch ? 'boolean' : 'string', multiple: true, ...(s.short && { short: s.short }) }]),
  );
}

/** Go's strconv.ParseBool and Mailpit's getEnabledFromEnv: 1, true, yes. */
const enabled = (text: string) => /^(1|true|yes|on)$/i.test(text.trim());

/** Sorts what the Mailpit flags and variables given ask for into mailsim's terms. */
export function readMailpit(flagValues: Record<string, unknown>, env: NodeJS.ProcessEnv): MailpitValues {
  const out: MailpitValues = { flags: new Map(), env: new Map(), keys: {}, warnings: [] };
  const warned = new Set<string>();
  const warn = (name: string, why: string) => {
    if (warned.has(name)) return;
    warned.add(name);
    out.warnings.push(`${name} (a Mailpit setting) is ignored: ${why}`);
  };
  for (const setting of MAILPIT_SETTINGS) {
    const given = setting.flag ? (flagValues[setting.flag] as Raw[] | undefined) : undefined;
    if (given?.length) take(setting, `--${setting.flag}`, given, out.flags, out, warn);
    for (const name of setting.env ?? []) {
      const text = env[name];
      if (text === undefined || text === '') continue;
      // Mailpit reads its switches' variables as "enabled or not": MP_QUIET=false is off.
      if (setting.switch && !enabled(text)) continue;
      take(setting, name, [setting.switch ? true : text], out.env, out, warn);
    }
  }
  return out;
}

function take(setting: MailpitSetting, name: string, values: Raw[], into: Map<string, Raw[]>, out: MailpitValues, warn: (name: string, why: string) => void): void {
  if (setting.ignored) return warn(name, setting.ignored);
  const mapped = values.map((value) => (setting.map ? setting.map(String(value)) : value));
  const problem = mapped.find((value): value is string => typeof value === 'string' && value.startsWith('!'));
  if (problem) return warn(name, problem.slice(1));
  if (setting.key) {
    out.keys[setting.key] = String(mapped[0]) as never;
    return;
  }
  if (!setting.to || mapped.every((value) => value === '')) return;
  if (!into.has(setting.to)) into.set(setting.to, mapped);
}
