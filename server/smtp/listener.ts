import type { AddressInfo, Socket } from 'node:net';
import type { SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Clock, Endpoint, MessageSink, SessionSink } from '../contracts.js';
import { honourExplicitStatusCodes, withStatus } from './explicit-status.js';
import { PromptSMTPServer, type SMTPConnection } from './prompt-server.js';
import { SessionState } from './session-state.js';
import { transcriptLogger } from './transcript-tap.js';

export interface ListenerOptions {
  host: string;
  port: number;
  /** Name in the banner and the EHLO reply. */
  hostname: string;
  maxMessageSize: number;
  idleTimeoutMs: number;
  messages: MessageSink;
  sessions: SessionSink;
  clock: Clock;
  warn: (message: string) => void;
}

interface Live {
  state: SessionState;
  connection: SMTPConnection;
}

/** AUTH mechanisms from the capture-core issue: what common clients try first. */
const AUTH_METHODS = ['PLAIN', 'LOGIN', 'CRAM-MD5'];

/**
 * One SMTP listening socket: smtp-server configured as a permissive capture server, with every
 * connection tracked as a session and every message handed to the sink before the 250.
 */
export class SmtpListener {
  readonly #server: PromptSMTPServer;
  readonly #live = new Map<string, Live>();
  #address: Endpoint | undefined;

  constructor(private readonly options: ListenerOptions) {
    this.#server = new PromptSMTPServer(
      {
        name: options.hostname,
        banner: 'mailsim',
        size: options.maxMessageSize,
        // smtp-server then answers an oversized DATA itself with 552 5.3.4 (RFC 3463: message length exceeds limit).
        rejectOversized: true,
        authMethods: AUTH_METHODS,
        authOptional: true,
        allowInsecureAuth: true,
        disableReverseLookup: true,
        hideENHANCEDSTATUSCODES: false,
        hideSTARTTLS: true,
        socketTimeout: options.idleTimeoutMs,
        closeTimeout: 10_000,
        logger: transcriptLogger(this.#tap()) as never,
        // Synchronous, unlike smtp-server's default (setImmediate): the banner is then written in
        // the same tick the connection is accepted, before any client bytes are read, so a client
        // that sends EHLO without waiting for it is not refused as an early talker.
        onConnect: (_session, callback) => callback(),
        onAuth: (auth, session, callback) => this.#onAuth(auth, session, callback),
        onData: (stream, session, callback) => this.#onData(stream, session, callback),
      },
      (connection, socket) => this.#track(connection, socket),
      options.warn,
    );
    this.#server.on('error', (error) => options.warn(`SMTP: ${error.message}`));
  }

  async listen(): Promise<Endpoint> {
    const server = this.#server.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const info = server.address() as AddressInfo;
    this.#address = { address: info.address, port: info.port };
    return this.#address;
  }

  get address(): Endpoint | undefined {
    return this.#address;
  }

  get activeSessions(): number {
    return this.#live.size;
  }

  /**
   * Stops accepting connections, tells idle clients 421 at once and lets a transaction in
   * progress finish (smtp-server answers its next command with 421), up to `graceMs`.
   */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(resolve));
    for (const { state, connection } of this.#live.values()) {
      if (!state.midExchange) (connection as unknown as { send(code: number, text: string): void }).send(421, '4.3.2 Service shutting down, try again later');
    }
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([closed, deadline]);
    // Whatever is still open past the grace period is cut, and its session recorded now,
    // while the store is still open.
    for (const [id, { state, connection }] of this.#live) {
      state.note('server shut down while the session was open');
      this.#closed(id);
      (connection as unknown as { close(): void }).close();
    }
  }

  #track(connection: SMTPConnection, socket: Socket): void {
    honourExplicitStatusCodes(connection);
    const client = { address: normalize(socket.remoteAddress), port: socket.remotePort ?? 0 };
    const server = { address: normalize(socket.localAddress), port: socket.localPort ?? 0 };
    const state = new SessionState(connection.id, client, server, this.options.clock);
    this.#live.set(connection.id, { state, connection });
    socket.on('timeout', () => state.timedOut());
    socket.once('close', () => this.#closed(connection.id));
    this.options.sessions.opened(state);
  }

  #closed(id: string): void {
    const live = this.#live.get(id);
    if (!live) return;
    this.#live.delete(id);
    live.state.note(live.state.facts.quit ? 'connection closed' : 'connection closed without QUIT');
    this.options.sessions.closed(live.state.end());
  }

  #tap() {
    const state = (id: string | undefined) => (id === undefined ? undefined : this.#live.get(id)?.state);
    return {
      command: (id: string, line: string) => state(id)?.command(line),
      reply: (id: string, payload: string) => state(id)?.reply(payload),
      error: (id: string | undefined, message: string) => state(id)?.note(`socket error: ${message}`),
    };
  }

  #onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (err: Error | null, response?: { user: string }) => void): void {
    const state = this.#live.get(session.id)?.state;
    const user = auth.username ?? '';
    if (state) {
      state.user = user;
      state.note(`authenticated as "${user}" with ${auth.method} (no scenario: any credentials accepted)`);
    }
    callback(null, { user });
  }

  #onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const state = this.#live.get(session.id)?.state;
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      state?.dataProgress(bytes);
      // Past the limit the message is refused anyway (552); keep reading, stop buffering.
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on('error', () => state?.note(`message aborted after ${bytes} bytes; nothing stored`));
    stream.once('end', () => {
      state?.dataEnded(bytes);
      if (stream.sizeExceeded || !state) return callback(null);
      const envelope = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      };
      this.options.messages
        .ingest({ raw: Buffer.concat(chunks, bytes), envelope, session: state.record() })
        .then(({ id }) => {
          state.note(`message stored as ${id}`);
          callback(null, `Ok: queued as ${id}`);
        })
        .catch((error: Error) => {
          state.note(`storing the message failed: ${error.message}`);
          this.options.warn(`store: ${error.message}`);
          callback(withStatus(451, '4.3.0 Temporary failure storing the message, try again later'));
        });
    });
  }
}

/** IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d; show the address users know. */
function normalize(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}
