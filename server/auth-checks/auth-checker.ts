import type { AuthCheckRequest, AuthCheckResult, AuthChecks } from '../ports/auth-checks.js';
import type { MessageAuth, Session } from '../protocol.js';
import type { StoredMessage } from '../ports/mailbox.js';
import { type DnsRecords, mergeDnsRecords } from '../faults/dns-schema.js';
import { normaliseAddress } from '../faults/ip-address.js';
import { AuthPool } from './auth-pool.js';

export interface AuthCheckerDeps {
  /** --dns-file: records every scenario sees, under its own `dns:`. */
  dns: DnsRecords;
  /** --dns: names nobody declared are looked up on the network. */
  network: boolean;
  /** Our name in Authentication-Results when the scenario's persona has none (--hostname). */
  hostname: string;
  /** A scenario's `dns:` and persona hostname, by name. */
  scenario(name: string): { dns?: DnsRecords | undefined; persona: { hostname?: string | undefined } } | undefined;
  /** The scenario a message is checked against when the API asks (the one new sessions get). */
  activeScenario(): string;
  message(id: string): StoredMessage | undefined;
  session(id: string): Session | undefined;
}

/**
 * The bytes the client sent, as the end-of-DATA check saw them: the store keeps mailsim's trace
 * fields (Return-Path, Received, a Message-ID when missing: smtp/trace-headers.ts) on top of
 * them, and the transaction's Size says how long the tail received is. Checking the stored bytes
 * would always pass the Message-ID best practice and show DKIM fields it never signed. Without
 * the session (no longer kept, or mail that never came over SMTP) the stored bytes are all there is.
 */
export function asReceived(raw: Buffer, id: string, session: Session | undefined): Buffer {
  const size = session?.Transactions.find((tx) => tx.MessageID === id)?.Size ?? 0;
  return size > 0 && size <= raw.length ? raw.subarray(raw.length - size) : raw;
}

/** Verdicts kept in memory: a message checked once (at DATA or on the first request) is not checked again. */
const CACHE_ENTRIES = 1_000;

/**
 * The message checks behind the SMTP adapter and the API. Each check runs on the auth thread;
 * results are kept per message ID (most recent 1,000) and a request for a message already
 * being checked waits for that check.
 */
export class AuthChecker implements AuthChecks {
  readonly #pool: AuthPool;
  readonly #results = new Map<string, Promise<MessageAuth>>();

  constructor(private readonly deps: AuthCheckerDeps) {
    this.#pool = new AuthPool(deps.network);
  }

  check(request: AuthCheckRequest): Promise<AuthCheckResult> {
    const scenario = this.deps.scenario(request.scenario);
    return this.#pool.check({
      raw: request.raw,
      sender: request.sender,
      recipients: request.recipients,
      clientIp: request.clientIp,
      helo: request.helo,
      hostname: scenario?.persona.hostname ?? this.deps.hostname,
      dns: mergeDnsRecords(this.deps.dns, scenario?.dns),
    });
  }

  remember(id: string, result: AuthCheckResult): void {
    this.#keep(id, Promise.resolve({ ID: id, ...result }));
  }

  forMessage(id: string): Promise<MessageAuth | undefined> {
    const message = this.deps.message(id);
    if (!message) return Promise.resolve(undefined);
    const realId = message.summary.ID;
    const known = this.#results.get(realId);
    if (known) return known;
    const session = message.summary.SessionID ? this.deps.session(message.summary.SessionID) : undefined;
    const checking = this.check({
      raw: asReceived(message.raw, realId, session),
      sender: message.summary.Envelope.From,
      recipients: message.summary.Envelope.To.length,
      // A message whose session is no longer kept is checked as from loopback, the only client it can have come from in tests.
      clientIp: normaliseAddress(session?.Client.Address ?? '127.0.0.1'),
      helo: session?.Helo ?? '',
      scenario: this.deps.activeScenario(),
    }).then((result) => ({ ID: realId, ...result }));
    this.#keep(realId, checking);
    // A failed check is not kept: the next request tries again.
    checking.catch(() => this.#results.get(realId) === checking && this.#results.delete(realId));
    return checking;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  #keep(id: string, result: Promise<MessageAuth>): void {
    this.#results.delete(id);
    this.#results.set(id, result);
    if (this.#results.size > CACHE_ENTRIES) this.#results.delete(this.#results.keys().next().value!);
  }
}
