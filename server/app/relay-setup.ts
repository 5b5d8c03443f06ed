import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { EventBus } from '../events/bus.js';
import type { Mailbox } from '../mail/mailbox.js';
import { errorFields, type Log } from '../ports/log.js';
import { CodedError } from '../errors/catalogue.js';
import { compileRegex, type LinearRegex, regexProblem } from '../faults/regex.js';
import { parseRelayFile } from '../relay/relay-config.js';
import { type RelayOptions, SmtpRelay } from '../relay/relay.js';

/** --smtp-relay-config, read once at start-up: a missing or wrong file stops the start naming file:line:column and field. */
function relayFromFile(file: string, config: Config, warn: (message: string) => void): RelayOptions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CodedError('BAD_REQUEST', `--smtp-relay-config: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseRelayFile(text, file);
  if (!parsed.ok) throw new CodedError('BAD_REQUEST', `--smtp-relay-config ${parsed.error}`);
  parsed.warnings.forEach(warn);
  const s = parsed.settings;
  const auth = s.auth === 'none' ? undefined : { user: s.username, pass: s.auth === 'cram-md5' ? s.secret : s.password };
  return {
    host: s.host,
    port: s.port,
    starttls: s.starttls,
    tls: s.tls,
    allowInsecure: s['allow-insecure'],
    ...(auth && { auth, authMethod: s.auth === 'cram-md5' ? 'CRAM-MD5' : s.auth === 'login' ? 'LOGIN' : 'PLAIN' }),
    ...(s['allowed-recipients'] && { allowedRecipients: s['allowed-recipients'] }),
    ...(s['blocked-recipients'] && { blockedRecipients: s['blocked-recipients'] }),
    ...(s['return-path'] && { returnPath: s['return-path'] }),
    ...(s['override-from'] && { overrideFrom: s['override-from'] }),
    preserveMessageIds: s['preserve-message-ids'],
    ca: ownCa(config.tlsDir),
    hostname: config.hostname,
  };
}

/**
 * The relay --smtp-relay-config or --smtp-relay-* describe, or undefined without either. Throws
 * on a bad file or allowlist regex.
 */
export function relayFromConfig(config: Config, warn: (message: string) => void = () => {}): SmtpRelay | undefined {
  if (config.smtpRelayConfig) return new SmtpRelay(relayFromFile(config.smtpRelayConfig, config, warn));
  const host = config.smtpRelayHost;
  if (!host) return undefined;
  const auth = config.smtpRelayAuth ?? (config.smtpRelayUser && config.smtpRelayPassword ? { user: config.smtpRelayUser, password: config.smtpRelayPassword } : undefined);
  return new SmtpRelay({
    host,
    port: config.smtpRelayPort,
    starttls: config.smtpRelayStarttls,
    tls: config.smtpRelayTls,
    allowInsecure: config.smtpRelayAllowInsecure,
    ...(auth && { auth: { user: auth.user, pass: auth.password } }),
    ...(config.smtpRelayAllowedRecipients !== undefined && { allowedRecipients: config.smtpRelayAllowedRecipients }),
    ca: ownCa(config.tlsDir),
    hostname: config.hostname,
  });
}

/** mailsim's CA, if it has made one: a relay that is another mailsim then verifies. */
function ownCa(tlsDir: string): string[] {
  try {
    return [readFileSync(join(tlsDir, 'ca.pem'), 'utf8')];
  } catch {
    return [];
  }
}

/**
 * --smtp-relay-matching's regex (RE2: linear time on any recipient), or undefined when every
 * recipient is relayed (--smtp-relay-all, which wins, as in Mailpit) or none is.
 */
export function relayMatching(config: Config, warn: (message: string) => void): LinearRegex | undefined {
  const pattern = config.smtpRelayMatching;
  if (!pattern) return undefined;
  if (config.smtpRelayAll) {
    warn('ignoring --smtp-relay-matching: --smtp-relay-all relays every message');
    return undefined;
  }
  const problem = regexProblem(pattern, '');
  if (problem) throw new CodedError('BAD_REQUEST', `--smtp-relay-matching: ${problem}`);
  return compileRegex(pattern, '');
}

/**
 * --smtp-relay-all (Mailpit's): every message stored is also relayed as received to its
 * envelope recipients. After the 250, so a slow relay never holds the client; a failure is logged.
 */
export function relayEverything(relay: SmtpRelay, bus: EventBus, mailbox: Mailbox, log: Log, matching?: LinearRegex): () => void {
  return bus.on('message.received', (summary) => {
    const stored = mailbox.get(summary.ID);
    if (!stored) return;
    const { From, To } = summary.Envelope;
    relay.forward(stored.raw, From, To, matching).catch((error: unknown) => log.warn(`relaying message ${summary.ID} failed: ${(error as Error).message}`, errorFields(error)));
  });
}
