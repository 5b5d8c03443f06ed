import type { Socket } from 'node:net';
import { errorFields, type Log } from '../ports/log.js';
import type { Maildrops } from '../ports/maildrops.js';
import { COMMAND_LIMIT, CommandChannel } from './command-channel.js';
import { type Line, TOO_LONG } from './line-reader.js';
import type { MaildropLocks } from './maildrop-locks.js';
import { multiLineText } from './message-encoding.js';
import { OpenMaildrop } from './open-maildrop.js';
import { decodePlain } from './sasl-plain.js';
import { TRANSACTION, type TransactionIo } from './transaction.js';

/** Decides whether `password` opens `mailbox` (the lower-cased user name). */
export type PasswordPolicy = (mailbox: string, password: string) => boolean | Promise<boolean>;
export const acceptAnyPassword: PasswordPolicy = () => true;

export interface SessionSettings {
  maildrops: Maildrops;
  authenticate: PasswordPolicy;
  locks: MaildropLocks;
  idleTimeoutMs: number;
  maxErrors: number;
  /** The CAPA IMPLEMENTATION text (RFC 2449 §6.9). */
  implementation: string;
  /** Upgrades the plaintext socket (STLS, RFC 2595 §4); null when the listener offers none. */
  startTls: ((socket: Socket) => Promise<Socket>) | null;
}

/** SASL responses are not commands (RFC 5034 §4); this bound is mailsim's own. */
const SASL_LIMIT = 8192;

type State = 'authorization' | 'transaction' | 'update' | 'closed';

/**
 * One POP3 connection (RFC 1939): AUTHORIZATION (USER/PASS or AUTH PLAIN, STLS), TRANSACTION
 * on a snapshot locked for this session alone, and UPDATE, reached only through QUIT, where
 * the marked messages are deleted. A connection that drops, times out or is closed for errors
 * leaves the maildrop untouched. Commands run strictly one after another, in order.
 */
export class Pop3Session {
  readonly #channel: CommandChannel;
  #state: State = 'authorization';
  #errors = 0;
  #user: string | undefined;
  #drop: OpenMaildrop | undefined;
  #sasl: ((response: string) => Promise<void>) | undefined;
  #tls: boolean;
  readonly closed: Promise<void>;
  #onClosed!: () => void;

  constructor(
    socket: Socket,
    secure: boolean,
    private readonly settings: SessionSettings,
    private readonly log: Log,
  ) {
    this.#tls = secure;
    this.closed = new Promise((resolve) => (this.#onClosed = resolve));
    this.#channel = new CommandChannel(socket, settings.idleTimeoutMs, {
      line: (line) => this.#run(line),
      ended: () => this.#finish(),
      idle: () => {
        // RFC 1939 §3: an idle session is closed without entering the UPDATE state.
        this.#reply('-ERR Disconnected for inactivity');
        this.#finish();
      },
      closed: () => this.#cleanup(),
    }, log);
    this.#reply('+OK mailsim POP3 server ready');
  }

  /** Ends the session without UPDATE (shutdown): nothing marked is deleted. */
  close(): void {
    this.#finish();
  }

  async #run(line: Line): Promise<void> {
    if (this.#state === 'closed') return;
    try {
      await this.#handle(line);
    } catch (error) {
      this.log.error('pop3 command failed', errorFields(error));
      this.#reply('-ERR [SYS/TEMP] Internal error');
      this.#finish();
    }
  }

  async #handle(line: Line): Promise<void> {
    const sasl = this.#sasl;
    this.#sasl = undefined;
    this.#channel.lineLimit = COMMAND_LIMIT;
    if (line === TOO_LONG) return this.#fail('Line too long');
    const text = line.toString('latin1');
    if (sasl) return sasl(text);
    const match = /^([A-Za-z]{1,8})(?: +(.*))?$/.exec(text.trimEnd());
    if (!match) return this.#fail('Unknown command');
    const verb = match[1]!.toUpperCase();
    const rest = match[2] ?? '';
    const args = rest ? rest.split(/ +/) : [];
    if (verb === 'CAPA') return this.#capa();
    if (verb === 'QUIT') return this.#quit();
    if (this.#state === 'authorization') return this.#authorization(verb, args, rest);
    const handler = TRANSACTION[verb];
    if (!handler) return this.#fail(['USER', 'PASS', 'AUTH', 'STLS', 'APOP'].includes(verb) ? 'Already authenticated' : 'Unknown command');
    await handler(this.#drop!, args, this.#io, this.settings.maildrops);
  }

  async #authorization(verb: string, args: string[], rest: string): Promise<void> {
    switch (verb) {
      case 'USER':
        if (!rest) return this.#fail('Usage: USER name');
        this.#user = rest;
        return this.#reply('+OK Send PASS');
      case 'PASS':
        if (this.#user === undefined) return this.#fail('Send USER first');
        return this.#login(this.#user, rest, 'USER');
      case 'AUTH':
        return this.#auth(args);
      case 'STLS':
        return this.#stls();
      default:
        return this.#fail(verb === 'APOP' ? 'APOP is not supported' : 'Not logged in');
    }
  }

  #capa(): void {
    const before = this.#state === 'authorization';
    const lines = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', `IMPLEMENTATION ${this.settings.implementation}`];
    // RFC 2449 §6: USER and SASL only while they can be used; STLS only before TLS (RFC 2595 §4).
    if (before) lines.push('USER', 'SASL PLAIN');
    if (before && this.settings.startTls && !this.#tls) lines.push('STLS');
    this.#reply(multiLineText('+OK Capability list follows', lines).trimEnd());
  }

  /** RFC 5034 §4: AUTH PLAIN, with the initial response on the line ("=" when empty) or after "+ ". */
  async #auth(args: string[]): Promise<void> {
    if (args.length === 0) return this.#reply(multiLineText('+OK', ['PLAIN']).trimEnd());
    if (args[0]!.toUpperCase() !== 'PLAIN') return this.#fail('Unsupported authentication mechanism');
    const finish = async (response: string) => {
      if (response === '*') return this.#fail('Authentication cancelled');
      const credentials = decodePlain(response === '=' ? '' : response);
      if (!credentials) return this.#fail('[AUTH] Invalid SASL PLAIN response');
      await this.#login(credentials.user, credentials.password, 'PLAIN');
    };
    if (args[1] !== undefined) return finish(args[1]);
    this.#sasl = finish;
    this.#channel.lineLimit = SASL_LIMIT;
    this.#reply('+ ');
  }

  async #login(user: string, password: string, method: 'USER' | 'PLAIN'): Promise<void> {
    const mailbox = user.trim().toLowerCase();
    this.#user = undefined;
    let allowed: boolean;
    try {
      allowed = await this.settings.authenticate(mailbox, password);
    } catch (error) {
      this.log.error('pop3 password check failed', errorFields(error));
      return this.#reply('-ERR [SYS/TEMP] Authentication is unavailable');
    }
    // RFC 3206 §4: AUTH says the credentials, not the server, are the problem.
    if (!allowed || !mailbox) return this.#fail('[AUTH] Invalid user name or password');
    // RFC 2449 §8.1.2: IN-USE, another session holds the maildrop lock.
    if (!this.settings.locks.acquire(mailbox)) return this.#fail('[IN-USE] Mailbox is locked by another POP3 session');
    try {
      const entries = await this.settings.maildrops.list(mailbox);
      this.#drop = new OpenMaildrop(mailbox, entries);
    } catch (error) {
      this.settings.locks.release(mailbox);
      this.log.error('pop3 could not open a maildrop', { mailbox, ...errorFields(error) });
      return this.#reply('-ERR [SYS/TEMP] Unable to open the maildrop');
    }
    if (this.#state === 'closed') return this.#cleanup();
    this.#state = 'transaction';
    const { count, size } = this.#drop.stat();
    this.log.info('pop3 login', { mailbox, messages: count, method, tls: this.#tls });
    this.#reply(`+OK ${mailbox} has ${count} messages (${size} octets)`);
  }

  async #stls(): Promise<void> {
    if (!this.settings.startTls) return this.#fail('STLS is not offered here');
    if (this.#tls) return this.#fail('Command not permitted when TLS active');
    this.#reply('+OK Begin TLS negotiation');
    // Anything pipelined after STLS was sent in plaintext: none of it may run under TLS (what
    // RFC 3207 §4.2 demands of SMTP servers after the STARTTLS injection flaw, CVE-2011-0411).
    this.#user = undefined;
    if (await this.#channel.upgrade(this.settings.startTls)) this.#tls = true;
  }

  async #quit(): Promise<void> {
    const drop = this.#drop;
    if (this.#state !== 'transaction' || !drop) {
      this.#reply('+OK mailsim POP3 server signing off');
      return this.#finish();
    }
    this.#state = 'update';
    const ids = drop.deletedIds();
    try {
      if (ids.length > 0) await this.settings.maildrops.remove(drop.mailbox, ids);
      const { count } = drop.stat();
      this.log.info('pop3 update', { mailbox: drop.mailbox, deleted: ids.length, left: count });
      this.#reply(`+OK mailsim POP3 server signing off (${count ? `${count} messages left` : 'maildrop empty'})`);
    } catch (error) {
      this.log.error('pop3 could not delete messages', { mailbox: drop.mailbox, ...errorFields(error) });
      // RFC 1939 §6 wording for a failed UPDATE.
      this.#reply('-ERR [SYS/TEMP] Some deleted messages not removed');
    }
    this.#finish();
  }

  readonly #io: TransactionIo = {
    reply: (line) => this.#reply(line),
    fail: (text) => this.#fail(text),
    stream: (chunks) => this.#channel.stream(chunks),
    problem: (message, error) => this.log.error(message, errorFields(error)),
  };

  #reply(line: string): void {
    if (this.#state !== 'closed') this.#channel.reply(line);
  }

  #fail(text: string): void {
    this.#reply(`-ERR ${text}`);
    if (++this.#errors < this.settings.maxErrors) return;
    this.#reply('-ERR Too many errors, closing connection');
    this.#finish();
  }

  /** Closes the connection; whatever was marked stays unless UPDATE already ran. */
  #finish(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#sasl = undefined;
    // Released now, not at 'close': a client that reconnects right after QUIT must not meet IN-USE.
    this.#releaseLock();
    this.#channel.finish();
  }

  #cleanup(): void {
    this.#state = 'closed';
    this.#releaseLock();
    this.#onClosed();
  }

  #releaseLock(): void {
    if (this.#drop) this.settings.locks.release(this.#drop.mailbox);
    this.#drop = undefined;
  }
}

