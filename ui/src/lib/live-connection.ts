import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

/** The part of the browser's WebSocket this uses (a fake in tests). */
export interface SocketLike {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
  close(code?: number, reason?: string): void;
}

export type LiveStatus = 'connecting' | 'live' | 'waiting' | 'stopped';

export interface LiveOptions {
  url: string;
  connect: (url: string) => SocketLike;
  /** Every frame's text, in order. */
  onMessage: (data: unknown) => void;
  /** The socket is open; `reconnected` is true after the first time: reload what may have been missed. */
  onOpen: (reconnected: boolean) => void;
  onStatus: (status: LiveStatus, retryInMs?: number) => void;
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  random: () => number;
  backoff?: BackoffOptions;
}

/**
 * The live feed's connection: connects, and when the socket closes (server restart, network,
 * the server dropping a slow client) waits with exponential backoff and connects again. Every
 * reopen after the first asks for a resync, since events sent meanwhile are gone.
 */
export class LiveConnection {
  #socket: SocketLike | undefined;
  #timer: unknown;
  #attempt = 0;
  #opened = false;
  #stopped = true;

  constructor(private readonly options: LiveOptions) {}

  get attempt(): number {
    return this.#attempt;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.options.clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onclose = socket.onmessage = socket.onopen = socket.onerror = null;
      socket.close(1000, 'bye');
    }
    this.options.onStatus('stopped');
  }

  /** Skips the wait (the network came back, the tab became visible). */
  retryNow(): void {
    if (this.#stopped || this.#socket) return;
    this.options.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#connect();
  }

  #connect(): void {
    this.options.onStatus('connecting');
    let socket: SocketLike;
    try {
      socket = this.options.connect(this.options.url);
    } catch {
      this.#retry();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      const reconnected = this.#opened;
      this.#opened = true;
      this.options.onStatus('live');
      this.options.onOpen(reconnected);
    };
    socket.onmessage = (event) => this.options.onMessage(event.data);
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (!this.#stopped) this.#retry();
    };
  }

  #retry(): void {
    const delay = backoffDelay(this.#attempt++, this.options.random, this.options.backoff ?? DEFAULT_BACKOFF);
    this.options.onStatus('waiting', delay);
    this.#timer = this.options.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#stopped) this.#connect();
    }, delay);
  }
}
