import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/**
 * The one module that reaches past smtp-server's documented API. Everything else in mailsim
 * uses the documented options and hooks (onConnect, onSecure, onAuth, onMailFrom, onRcptTo,
 * onData, onClose, `logger`, the 'error' event) or the functions below. Each seam is checked
 * when a server is built, before it listens: an smtp-server without one refuses to start with
 * the seam's name and the installed version, instead of misbehaving at the first connection.
 * package.json pins smtp-server to the version these seams were tested with.
 */
export const SMTP_SERVER_VERSION: string = (createRequire(import.meta.url)('smtp-server/package.json') as { version: string }).version;

export type { SMTPConnection };
export type Send = (code: number, data?: string | string[], context?: unknown) => void;
type OnCommand = (command: Buffer, callback?: () => void) => void;

interface ConnectionInternals {
  _onCommand: OnCommand;
  send: Send;
  init(): void;
  connectionReady(next?: () => void): void;
  _onError(error: Error): void;
}

interface ServerInternals {
  connections: Set<SMTPConnection>;
  secureContext: Map<string, SecureContext>;
  connect(socket: Socket, options?: unknown): void;
}

/** What the check looks at: smtp-server's two prototypes and a constructed server. */
export interface SeamTargets {
  connection: object;
  serverPrototype: object;
  server: object;
}

interface Seam {
  name: string;
  /** What mailsim does with it. */
  use: string;
  holds(connection: Partial<ConnectionInternals>, server: Partial<ServerInternals>, serverPrototype: Partial<ServerInternals>): boolean;
}

const source = (fn: unknown): string => (typeof fn === 'function' ? Function.prototype.toString.call(fn) : '');
const isMethod = (fn: unknown, arity?: number): boolean => typeof fn === 'function' && (arity === undefined || fn.length === arity);

export const SEAMS: readonly Seam[] = [
  {
    name: 'SMTPConnection#_onCommand(command, callback)',
    use: 'every command line reaches the fault engine before smtp-server acts on it (EHLO, STARTTLS, DATA, RSET, QUIT have no hook)',
    holds: (c) => isMethod(c._onCommand, 2),
  },
  {
    name: 'SMTPConnection#send(code, data, context)',
    use: 'the single reply writer: persona wording, enhanced status codes, EHLO capabilities, the transcript of what went out',
    holds: (c) => isMethod(c.send, 3) && source(c.send).includes('_socket.write('),
  },
  {
    name: 'SMTPConnection#connectionReady(next), called by init() after 100 ms',
    use: 'the greeting goes out at once instead of after the early-talker delay',
    holds: (c) => isMethod(c.connectionReady) && source(c.init).includes('connectionReady'),
  },
  {
    name: 'SMTPConnection#_onError(err)',
    use: 'socket and TLS errors of one connection, for its transcript',
    holds: (c) => isMethod(c._onError, 1),
  },
  {
    name: 'SMTPServer#connections, the set connect() adds each connection to',
    use: 'the adapter gets hold of each connection before its greeting',
    holds: (_c, s, p) => s.connections instanceof Set && isMethod(p.connect) && source(p.connect).includes('connections.add('),
  },
  {
    name: "SMTPServer#secureContext, the Map STARTTLS takes its '*' context from",
    use: "the scenario's TLS fault picks the certificate of clients that send no SNI (an IP address)",
    holds: (_c, s) => s.secureContext instanceof Map && s.secureContext.has('*'),
  },
];

export class SeamError extends Error {
  constructor(
    readonly seams: readonly string[],
    readonly version: string,
  ) {
    super(
      `smtp-server ${version} lacks what mailsim relies on: ${seams.join('; ')}. ` +
        "Install the version package.json pins (npm ci) or adapt server/smtp/smtp-server-seams.ts.",
    );
    this.name = 'SeamError';
  }
}

/** Throws a SeamError naming every seam that does not hold. */
export function checkSeams(targets: SeamTargets, version = SMTP_SERVER_VERSION): void {
  const connection = targets.connection as Partial<ConnectionInternals>;
  const server = targets.server as Partial<ServerInternals>;
  const serverPrototype = targets.serverPrototype as Partial<ServerInternals>;
  const broken = SEAMS.filter((seam) => {
    try {
      return !seam.holds(connection, server, serverPrototype);
    } catch {
      return true;
    }
  });
  if (broken.length) throw new SeamError(broken.map((seam) => seam.name), version);
}

export type ConnectionListener = (connection: SMTPConnection, socket: Socket) => void;

/**
 * smtp-server whose connections are handed to `onConnection` before their greeting, and whose
 * greeting goes out at once: smtp-server waits 100 ms before connectionReady() to catch clients
 * that talk first (RFC 5321 §3.1 has the client wait for the banner), which caps
 * one-connection-per-message senders at ~10 messages/s per connection slot.
 */
export class SeamedSMTPServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly onConnection: ConnectionListener,
  ) {
    super(options);
    checkSeams({ connection: SMTPConnection.prototype, serverPrototype: SMTPServer.prototype, server: this });
  }

  /** smtp-server looks contexts up by server name, '*' when the client sent none. */
  useContextMap(map: Map<string, SecureContext>): void {
    (this as unknown as ServerInternals).secureContext = map;
  }

  override connect(socket: Socket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    const connection = this.#capture(() => super.connect(socket, socketOptions));
    if (!connection) return;
    this.onConnection(connection, socket);
    greetNow(connection);
  }

  #capture(connect: () => void): SMTPConnection | undefined {
    let created: SMTPConnection | undefined;
    const set = (this as unknown as ServerInternals).connections;
    const add = set.add;
    set.add = function (this: Set<SMTPConnection>, value: SMTPConnection) {
      created ??= value;
      return add.call(this, value);
    };
    try {
      connect();
    } finally {
      delete (set as Partial<Set<SMTPConnection>>).add;
    }
    return created;
  }
}

function greetNow(connection: SMTPConnection): void {
  const target = connection as unknown as ConnectionInternals;
  const ready = target.connectionReady.bind(connection);
  let started = false;
  target.connectionReady = (next) => {
    if (started) return;
    started = true;
    ready(next);
  };
  target.connectionReady();
}

export type CommandHandler = (command: Buffer, next: () => void, pass: (command: Buffer, next: () => void) => void) => void;

/**
 * Every command line goes to `handle` first; `pass` hands it to smtp-server. smtp-server
 * flushes an unterminated last line (the client half-closed after it) with no callback at all,
 * so `next` is always a function here, whoever answers the line.
 */
export function interceptCommands(connection: SMTPConnection, handle: CommandHandler): void {
  const target = connection as unknown as ConnectionInternals;
  const original = target._onCommand.bind(connection);
  target._onCommand = (command, callback) => handle(command, callback ?? (() => {}), (line, next) => original(line, next));
}

/** Writes a reply and returns it as it went over the wire, or undefined if nothing was written. */
export type WireSend = (code: number, data?: string | string[], context?: unknown) => string | undefined;

/**
 * Every reply of the connection goes to `shape`, which sends it (changed or not) with `send`;
 * the same `send` is returned, for replies that must bypass `shape`.
 * `socket` is the one the connection writes to now (the TLS socket after STARTTLS): send()
 * writes each reply with one write() there, which is how the transcript sees the exact bytes.
 */
export function interceptReplies(connection: SMTPConnection, socket: () => Socket, shape: (code: number, data: string | string[] | undefined, context: unknown, send: WireSend) => void): WireSend {
  const target = connection as unknown as ConnectionInternals;
  const original = target.send.bind(connection);
  const send: WireSend = (code, data, context) => captureWrite(socket(), () => original(code, data, context));
  target.send = (code, data, context) => shape(code, data, context, send);
  return send;
}

/** Sends through the connection's reply writer (and so through interceptReplies, if installed). */
export function sendReply(connection: SMTPConnection, code: number, data: string | string[], context?: unknown): void {
  (connection as unknown as ConnectionInternals).send(code, data, context);
}

/** Socket and TLS errors of this connection, as smtp-server handles them. */
export function watchErrors(connection: SMTPConnection, onError: (error: Error) => void): void {
  const target = connection as unknown as ConnectionInternals;
  const original = target._onError.bind(connection);
  target._onError = (error) => {
    try {
      onError(error);
    } finally {
      original(error);
    }
  };
}

/**
 * Wraps socket.write for the length of one send(): on top of whatever is there (the tarpit's
 * dripping writer included), so the reply is seen as send() wrote it. Restored by assignment,
 * not `delete`, which would turn the socket's properties into a slow dictionary for good.
 */
function captureWrite(socket: Socket, write: () => void): string | undefined {
  const previous = socket.write;
  let written: string | undefined;
  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    written ??= String(chunk);
    return (previous as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Socket['write'];
  try {
    write();
  } finally {
    socket.write = previous;
  }
  return written?.replace(/\r\n$/, '');
}
