import type { Socket } from 'node:net';
import { errorFields, type Log } from '../ports/log.js';
import { type Line, LineReader } from './line-reader.js';

/** RFC 2449 §4: a command line is at most 255 octets, CRLF included. */
export const COMMAND_LIMIT = 255;
/** Commands a client may pipeline (RFC 2449 PIPELINING) before mailsim stops reading. */
const QUEUE_HIGH = 64;
/** Chunks (64 KiB each) written between turns of the event loop when the socket never pushes back. */
const YIELD_EVERY = 4;

export interface ChannelHandlers {
  /** Runs one line; lines are handed over one at a time, in order. */
  line(line: Line): Promise<void>;
  /** The client shut its side and every line it sent has run. */
  ended(): void;
  /** No input for the idle time. */
  idle(): void;
  closed(): void;
}

/**
 * The line-based I/O of one POP3 connection: bounded lines, commands run strictly in order
 * (reading pauses while too many wait), replies and streamed responses with back-pressure,
 * and the socket swap of STLS. The protocol lives in Pop3Session.
 */
export class CommandChannel {
  #socket: Socket;
  readonly #reader = new LineReader(COMMAND_LIMIT);
  readonly #queue: Line[] = [];
  #busy = false;
  #clientEnded = false;
  #finished = false;

  constructor(
    socket: Socket,
    private readonly idleMs: number,
    private readonly handlers: ChannelHandlers,
    private readonly log: Log,
  ) {
    this.#socket = socket;
    this.#attach(socket);
  }

  set lineLimit(limit: number) {
    this.#reader.limit = limit;
  }

  get writable(): boolean {
    return !this.#finished && !this.#socket.destroyed;
  }

  reply(line: string): void {
    if (this.writable) this.#socket.write(`${line}\r\n`);
  }

  async stream(chunks: Iterable<Buffer>): Promise<void> {
    let sinceYield = 0;
    for (const chunk of chunks) {
      if (!this.writable) return;
      if (!this.#socket.write(chunk)) {
        await drained(this.#socket);
        sinceYield = 0;
      } else if (++sinceYield === YIELD_EVERY) {
        // A loopback socket can take megabytes without back-pressure: give other sessions a turn.
        await new Promise((resolve) => setImmediate(resolve));
        sinceYield = 0;
      }
    }
  }

  /**
   * STLS: drops what is queued and buffered (sent in plaintext, it may not run under TLS),
   * detaches from the plain socket and carries on over the TLS one. False when the handshake failed.
   */
  async upgrade(startTls: (plain: Socket) => Promise<Socket>): Promise<boolean> {
    this.#queue.length = 0;
    this.#reader.clear();
    const plain = this.#socket;
    for (const event of ['data', 'end', 'timeout', 'close']) plain.removeAllListeners(event);
    plain.setTimeout(0);
    try {
      this.#socket = await startTls(plain);
    } catch (error) {
      this.log.debug('pop3 STLS handshake failed', errorFields(error));
      plain.destroy();
      this.handlers.closed();
      return false;
    }
    this.#attach(this.#socket);
    return true;
  }

  /** Stops running input and closes; a client that never reads loses the socket after 2 s. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#queue.length = 0;
    const socket = this.#socket;
    socket.end();
    setTimeout(() => socket.destroy(), 2_000).unref();
  }

  #attach(socket: Socket): void {
    socket.setTimeout(this.idleMs);
    socket.on('data', (chunk: Buffer) => this.#received(chunk));
    socket.on('end', () => {
      this.#clientEnded = true;
      if (!this.#busy && this.#queue.length === 0) this.handlers.ended();
    });
    socket.on('timeout', () => this.handlers.idle());
    socket.on('error', (error) => this.log.debug('pop3 connection error', errorFields(error)));
    socket.on('close', () => this.handlers.closed());
  }

  #received(chunk: Buffer): void {
    if (this.#finished) return;
    this.#queue.push(...this.#reader.push(chunk));
    if (this.#queue.length > QUEUE_HIGH) this.#socket.pause();
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#queue.length > 0 && !this.#finished) {
        await this.handlers.line(this.#queue.shift()!);
        if (this.#queue.length < QUEUE_HIGH / 2) this.#socket.resume();
      }
    } finally {
      this.#busy = false;
    }
    if (this.#clientEnded) this.handlers.ended();
  }
}

/** Resolves on 'drain' or 'close', whichever comes first, and leaves no listener behind. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
