import { rootCertificates } from 'node:tls';
import nodemailer from 'nodemailer';
import { badRequest, CodedError } from '../errors/catalogue.js';
import { compileRegex, type LinearRegex, regexProblem } from '../faults/regex.js';
import { newId } from '../util/ids.js';
import { editHeaders } from './header-edit.js';

/** --smtp-relay-*: the real SMTP server released messages go to (Mailpit's SMTPRelayConfig). */
export interface RelayOptions {
  host: string;
  port: number;
  /** Upgrade with STARTTLS, and fail if the server does not offer it. */
  starttls: boolean;
  /** Implicit TLS from the first byte (port 465). */
  tls: boolean;
  /** Mailpit's allow-insecure: accept any certificate. */
  allowInsecure: boolean;
  auth?: { user: string; pass: string };
  /** The relay config's `auth: cram-md5` (nodemailer picks PLAIN or LOGIN as offered otherwise). */
  authMethod?: 'PLAIN' | 'LOGIN' | 'CRAM-MD5';
  /** Only recipients matching this (RE2 syntax, case-sensitive as Go's regexp) may be released to. */
  allowedRecipients?: string;
  /** Recipients matching this are never released to (the relay config's blocked-recipients). */
  blockedRecipients?: string;
  /** The envelope sender (and Return-Path) of every release (return-path). */
  returnPath?: string;
  /** The From header and envelope sender of every relayed message (override-from). */
  overrideFrom?: string;
  /** Keep the message's Message-ID instead of a new one (preserve-message-ids). */
  preserveMessageIds?: boolean;
  /** PEM certificates trusted besides the system's: mailsim's own CA, so a second mailsim verifies. */
  ca: string[];
  /** Our EHLO name. */
  hostname: string;
}

/** What GET /api/v1/webui says about the relay (Mailpit's MessageRelay). */
export interface RelayInfo {
  Enabled: boolean;
  SMTPServer: string;
  ReturnPath: string;
  AllowedRecipients: string;
  BlockedRecipients: string;
  OverrideFrom: string;
  PreserveMessageIDs: boolean;
}

const TIMEOUT_MS = 30_000;

/**
 * Releases a captured message to a real SMTP server, as Mailpit's POST /api/v1/message/{ID}/release:
 * the stored bytes with Bcc removed, a new Date and a new Message-ID (Mailpit's default, without
 * preserve-message-ids), the envelope sender taken from Sender or else From, to the given
 * recipients only. The allowlist is matched on RE2 (linear time), like every regex mailsim runs.
 */
export class SmtpRelay {
  readonly #allowed: LinearRegex | undefined;
  readonly #blocked: LinearRegex | undefined;

  constructor(private readonly options: RelayOptions) {
    this.#allowed = compiled(options.allowedRecipients, '--smtp-relay-allowed-recipients');
    this.#blocked = compiled(options.blockedRecipients, 'blocked-recipients');
  }

  info(): RelayInfo {
    return {
      Enabled: true,
      SMTPServer: `${this.options.host}:${this.options.port}`,
      ReturnPath: this.options.returnPath ?? '',
      AllowedRecipients: this.options.allowedRecipients ?? '',
      BlockedRecipients: this.options.blockedRecipients ?? '',
      OverrideFrom: this.options.overrideFrom ?? '',
      PreserveMessageIDs: this.options.preserveMessageIds ?? false,
    };
  }

  /** The addresses of `to`; 400 for one that is not an address or not on the allowlist (Mailpit's wording). */
  recipients(to: string[]): string[] {
    const addresses = to.map((entry) => {
      const address = addressOf(entry);
      if (!address) throw badRequest(`Invalid email address: ${entry}`);
      return address;
    });
    const allowed = this.#allowed;
    const notAllowed = allowed ? to.filter((_, i) => !allowed.test(addresses[i]!)) : [];
    if (notAllowed.length) throw badRequest(`Failed: ${notAllowed.length === 1 ? 'Address' : 'Addresses'} do not match the allowlist: ${notAllowed.join(', ')}`);
    const blocked = this.#blocked;
    const refused = blocked ? to.filter((_, i) => blocked.test(addresses[i]!)) : [];
    if (refused.length) throw badRequest(`Failed: ${refused.length === 1 ? 'Address' : 'Addresses'} found on blocklist: ${refused.join(', ')}`);
    if (addresses.length === 0) throw badRequest('No valid addresses found');
    return addresses;
  }

  /** Sends the message; rejects with a 400 naming the server's reply. */
  async release(raw: Buffer, to: string[], senderHeaders: { from?: string; sender?: string }): Promise<void> {
    const recipients = this.recipients(to);
    const sender = addressOf(senderHeaders.sender ?? '') ?? addressOf(senderHeaders.from ?? '');
    if (!sender) throw badRequest('No From header found');
    const { returnPath, preserveMessageIds } = this.options;
    const message = editHeaders(raw, {
      remove: ['Bcc'],
      set: {
        Date: rfc5322Now(),
        ...(!preserveMessageIds && { 'Message-ID': `<${newId()}@${this.options.hostname}>` }),
        ...(returnPath && { 'Return-Path': `<${returnPath}>` }),
      },
    });
    await this.send(returnPath || sender, recipients, message);
  }

  /**
   * --smtp-relay-all / --smtp-relay-matching: a message as received, to its envelope recipients
   * (those the allowlist lets through, the blocklist does not stop, and `matching` matches).
   */
  async forward(raw: Buffer, from: string, to: string[], matching?: LinearRegex): Promise<string[]> {
    const allowed = this.#allowed;
    const blocked = this.#blocked;
    const recipients = to.filter((address) => (!allowed || allowed.test(address)) && !blocked?.test(address) && (!matching || matching.test(address)));
    if (recipients.length) await this.send(from, recipients, raw);
    return recipients;
  }

  async send(from: string, to: string[], raw: Buffer): Promise<void> {
    const { host, port, starttls, tls, allowInsecure, auth, authMethod, ca, hostname, overrideFrom } = this.options;
    if (overrideFrom) {
      raw = editHeaders(raw, { set: { From: overrideFrom } });
      from = overrideFrom;
    }
    const transport = nodemailer.createTransport({
      host,
      port,
      secure: tls,
      requireTLS: starttls,
      // Without --smtp-relay-starttls, plain SMTP as Mailpit does: no opportunistic upgrade.
      ignoreTLS: !starttls && !tls,
      name: hostname,
      tls: { rejectUnauthorized: !allowInsecure, ...(ca.length && { ca: [...defaultCas(), ...ca] }), servername: host },
      ...(auth && { auth }),
      ...(authMethod && { authMethod }),
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    });
    try {
      await transport.sendMail({ envelope: { from, to }, raw });
    } catch (error) {
      const { response, message } = error as { response?: string; message?: string };
      throw badRequest(`SMTP error: ${response ?? message ?? String(error)}`);
    } finally {
      transport.close();
    }
  }
}

function compiled(pattern: string | undefined, what: string): LinearRegex | undefined {
  if (!pattern) return undefined;
  const problem = regexProblem(pattern, '');
  if (problem) throw new CodedError('BAD_REQUEST', `${what}: ${problem}`);
  return compileRegex(pattern, '');
}

/** The addr-spec of "Name <a@b>" or "a@b"; undefined when there is none. */
export function addressOf(text: string): string | undefined {
  const trimmed = text.trim();
  const bracketed = /<([^<>\s]*)>\s*$/.exec(trimmed);
  const address = bracketed ? bracketed[1]! : trimmed;
  return /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/.test(address) ? address : undefined;
}

function rfc5322Now(): string {
  return new Date().toUTCString().replace('GMT', '+0000');
}

/** Giving `ca` replaces Node's bundled roots; keep them, so a public relay still verifies. */
function defaultCas(): readonly string[] {
  return rootCertificates;
}
