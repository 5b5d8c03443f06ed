import type { Config } from '../config/config.js';
import type { Endpoint } from '../ports/contracts.js';
import type { Log } from '../ports/log.js';
import type { Maildrops } from '../ports/maildrops.js';
import { acceptAnyPassword, type PasswordPolicy, Pop3Server } from '../pop3/pop3-server.js';
import type { Pop3Info } from '../protocol.js';
import type { TlsContexts } from '../tls/contexts.js';
import type { CredentialCheck } from '../util/htpasswd.js';

/**
 * The --pop3 listener over the store's maildrops, built by the harness once the certificates are
 * ready. Off without --pop3. Without --pop3-auth-file any password opens any mailbox, as
 * Mailpit's accept-any does for SMTP: a test harness has no accounts to protect.
 */
export class Pop3Service {
  #server: Pop3Server | undefined;

  constructor(
    private readonly config: Config,
    private readonly maildrops: Maildrops,
    private readonly credentials: CredentialCheck | undefined,
    private readonly log: Log,
    private readonly implementation: string,
  ) {}

  async start(tls: TlsContexts): Promise<Endpoint | undefined> {
    const listen = this.config.pop3;
    if (!listen) {
      if (this.credentials) this.log.warn('a POP3 auth file is set but POP3 is off: add --pop3 HOST:PORT (for example 127.0.0.1:1110)');
      return undefined;
    }
    const credentials = this.credentials;
    const authenticate: PasswordPolicy = credentials ? (mailbox, password) => credentials.verify(mailbox, { password }) : acceptAnyPassword;
    this.#server = new Pop3Server({
      host: listen.host,
      port: listen.port,
      mode: listen.mode,
      maildrops: this.maildrops,
      log: this.log.child({ listener: `pop3 ${listen.host}:${listen.port}` }),
      authenticate,
      secureContext: () => tls.forFault('none'),
      implementation: `mailsim ${this.implementation}`,
    });
    const address = await this.#server.listen();
    this.log.info(`POP3 listening on ${address.address}:${address.port} (${listen.mode}; ${credentials ? '--pop3-auth-file' : 'any password'})`, { address: address.address, port: address.port, mode: listen.mode });
    return address;
  }

  /** For GET /api/v1/pop3. */
  info(): Pop3Info {
    const address = this.#server?.address;
    return {
      Enabled: address !== undefined,
      Address: address?.address ?? '',
      Port: address?.port ?? 0,
      Mode: this.config.pop3?.mode ?? 'starttls',
      Auth: this.credentials ? 'file' : 'any',
      OpenSessions: this.#server?.openSessions ?? 0,
    };
  }

  /** Open sessions end without UPDATE: what they marked stays (RFC 1939 §6). */
  async close(): Promise<void> {
    await this.#server?.close();
  }
}
