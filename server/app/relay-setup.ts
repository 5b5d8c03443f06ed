import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { EventBus } from '../events/bus.js';
import type { Mailbox } from '../mail/mailbox.js';
import { errorFields, type Log } from '../ports/log.js';
import { SmtpRelay } from '../relay/relay.js';

/** The relay --smtp-relay-* describe, or undefined without --smtp-relay-host. Throws on a bad allowlist regex. */
export function relayFromConfig(config: Config): SmtpRelay | undefined {
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
 * --smtp-relay-all (Mailpit's): every message stored is also relayed as received to its
 * envelope recipients. After the 250, so a slow relay never holds the client; a failure is logged.
 */
export function relayEverything(relay: SmtpRelay, bus: EventBus, mailbox: Mailbox, log: Log): () => void {
  return bus.on('message.received', (summary) => {
    const stored = mailbox.get(summary.ID);
    if (!stored) return;
    const { From, To } = summary.Envelope;
    relay.forward(stored.raw, From, To).catch((error: unknown) => log.warn(`relaying message ${summary.ID} failed: ${(error as Error).message}`, errorFields(error)));
  });
}
