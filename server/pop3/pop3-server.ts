import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import type { Endpoint } from '../ports/contracts.js';
import { errorFields, type Log } from '../ports/log.js';
import type { Maildrops } from '../ports/maildrops.js';
import { newId } from '../util/ids.js';
import type { Pop3Mode } from '../util/listener-modes.js';
import { MaildropLocks } from './maildrop-locks.js';
import { acceptAnyPassword, type PasswordPolicy, Pop3Session } from './session.js';

export { MaildropLocks } from './maildrop-locks.js';
export { acceptAnyPassword, type PasswordPolicy } from './session.js';

export type { Pop3Mode };

export interface Pop3Options {
  host: string;
  port: number;
  mode: Pop3Mode;
  maildrops: Maildrops;
  log: Log;
  /** Default: any password opens any mailbox (a test harness has no accounts). */
  authenticate?: PasswordPolicy;
  /** One set per mailsim, shared by all its POP3 listeners. */
  locks?: MaildropLocks;
  /** The certificate for STLS and implicit TLS, asked for at each handshake. */
  secureContext?: () => SecureContext;
  /** RFC 1939 §3: an inactivity timer of at least 10 minutes. */
  idleTimeoutMs?: number;
  /** Client mistakes (bad commands, failed logins, long lines) before the connection is closed. */
  maxErrors?: number;
  /** The CAPA IMPLEMENTATION text, e.g. "mailsim 0.1.0". */
  implementation?: string;
  /** A TLS handshake that has not finished in this long is abandoned. */
  handshakeTimeoutMs?: number;
}

const TEN_MINUTES = 600_000;

/**
 * A POP3 listener over node:net and node:tls directly: npm has POP3 clients but no maintained
 * POP3 server library (WildDuck's is part of an IMAP server on MongoDB). Every connection is a
 * Pop3Session; a client can fail its own session in any way without touching the others.
 */
export class Pop3Server {
  readonly #server: Server;
  readonly #sessions = new Set<Pop3Session>();
  readonly #locks: MaildropLocks;
  #address: Endpoint | undefined;

  constructor(private readonly options: Pop3Options) {
    if (options.mode !== 'plain' && !options.secureContext) throw new Error(`POP3 ${options.mode} needs a TLS certificate`);
    this.#locks = options.locks ?? new MaildropLocks();
    // allowHalfOpen: a client may send QUIT and shut its side at once; the reply still goes out.
    this.#server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    this.#server.on('error', (error) => options.log.error('pop3 listener error', errorFields(error)));
  }

  get address(): Endpoint | undefined {
    return this.#address;
  }

  get openSessions(): number {
    return this.#sessions.size;
  }

  async listen(): Promise<Endpoint> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.options.port, this.options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const info = this.#server.address() as AddressInfo;
    this.#address = { address: info.address, port: info.port };
    return this.#address;
  }

  /** Stops accepting and ends every session without UPDATE: nothing marked is deleted. */
  async close(): Promise<void> {
    const closing = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const session of this.#sessions) session.close();
    await Promise.all([...this.#sessions].map((session) => session.closed));
    await closing;
  }

  #accept(socket: Socket): void {
    const log = this.options.log.child({ session: newId() });
    socket.on('error', (error) => log.debug('pop3 connection error', errorFields(error)));
    log.debug('pop3 connection', { client: socket.remoteAddress, port: socket.remotePort, mode: this.options.mode });
    if (this.options.mode !== 'tls') return this.#start(socket, false, log);
    this.#handshake(socket)
      .then((secure) => this.#start(secure, true, log))
      .catch((error: unknown) => {
        log.debug('pop3 TLS handshake failed', errorFields(error));
        socket.destroy();
      });
  }

  #start(socket: Socket, secure: boolean, log: Log): void {
    const session = new Pop3Session(
      socket,
      secure,
      {
        maildrops: this.options.maildrops,
        authenticate: this.options.authenticate ?? acceptAnyPassword,
        locks: this.#locks,
        idleTimeoutMs: this.options.idleTimeoutMs ?? TEN_MINUTES,
        maxErrors: this.options.maxErrors ?? 10,
        implementation: this.options.implementation ?? 'mailsim',
        startTls: this.options.mode === 'starttls' ? (plain) => this.#handshake(plain) : null,
      },
      log,
    );
    this.#sessions.add(session);
    void session.closed.then(() => {
      this.#sessions.delete(session);
      log.debug('pop3 session closed');
    });
  }

  /** Resolves with the TLS socket once the handshake is done; rejects when it fails or stalls. */
  #handshake(socket: Socket): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const secure = new TLSSocket(socket, { isServer: true, secureContext: this.options.secureContext!() });
      const timer = setTimeout(() => fail(new Error('TLS handshake timed out')), this.options.handshakeTimeoutMs ?? 30_000);
      timer.unref();
      const fail = (error: Error) => {
        clearTimeout(timer);
        secure.destroy();
        reject(error);
      };
      const closed = () => fail(new Error('the client closed the connection during the TLS handshake'));
      secure.once('error', fail);
      secure.once('close', closed);
      secure.once('secure', () => {
        clearTimeout(timer);
        secure.off('error', fail);
        secure.off('close', closed);
        resolve(secure);
      });
    });
  }
}
