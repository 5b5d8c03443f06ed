import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

export type { SMTPConnection };

export type ConnectionListener = (connection: SMTPConnection, socket: Socket) => void;

/** True when the installed smtp-server still has the seams this file relies on. */
export function greetingSeamsPresent(connection: SMTPConnection): boolean {
  return typeof (connection as { connectionReady?: unknown }).connectionReady === 'function';
}

/**
 * smtp-server with two additions, the only places we reach past its documented API:
 *
 * 1. The greeting goes out at once. smtp-server waits 100 ms before `connectionReady()` to catch
 *    clients that talk before the banner (RFC 5321 §3.1 has the client wait for it). That wait
 *    caps one-connection-per-message senders at ~10 msg/s per connection slot. We call
 *    `connectionReady()` ourselves as soon as the connection is set up and make the library's
 *    own timed call a no-op. If a future smtp-server drops that method we leave its behaviour
 *    untouched and report it once; test/smtp-greeting.test.ts fails in that case.
 *
 * 2. Every connection is handed to `onConnection` before its greeting, so the adapter can keep
 *    per-connection state and see the raw socket's events (end, timeout, close).
 */
export class PromptSMTPServer extends SMTPServer {
  #warned = false;

  constructor(
    options: SMTPServerOptions,
    private readonly onConnection: ConnectionListener,
    private readonly warn: (message: string) => void,
    onAccept?: (socket: Socket) => void,
  ) {
    super(options);
    // Before smtp-server's own handler: on an implicit-TLS port that one starts the handshake,
    // and a connection whose handshake fails never reaches connect().
    if (onAccept) this.server.prependListener('connection', onAccept);
  }

  override connect(socket: Socket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    const connection = this.#capture(() => super.connect(socket, socketOptions));
    if (!connection) return;
    this.onConnection(connection, socket);
    this.#greetNow(connection);
  }

  /** smtp-server adds each new connection to `this.connections`; that is how we get hold of it. */
  #capture(connect: () => void): SMTPConnection | undefined {
    let created: SMTPConnection | undefined;
    const set = this.connections;
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

  #greetNow(connection: SMTPConnection): void {
    if (!greetingSeamsPresent(connection)) {
      if (!this.#warned) this.warn('smtp-server has no connectionReady(); greetings keep the library\'s 100 ms delay');
      this.#warned = true;
      return;
    }
    const target = connection as unknown as { connectionReady: (next?: () => void) => void };
    const ready = target.connectionReady.bind(connection);
    let started = false;
    target.connectionReady = (next) => {
      if (started) return;
      started = true;
      ready(next);
    };
    target.connectionReady();
  }
}
