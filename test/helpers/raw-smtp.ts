import { connect, type Socket } from 'node:net';

/**
 * A bare SMTP client over a socket, for what real clients will not do on purpose: pipelining
 * everything at once, malformed commands, hanging up mid-DATA.
 */
export class RawSmtp {
  readonly socket: Socket;
  #buffer = '';
  #waiters: Array<() => void> = [];
  closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => { this.#wake(); resolve(); }));
    socket.on('error', () => {});
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawSmtp> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawSmtp(socket)));
      socket.once('error', reject);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves with the next complete reply (all lines of a multi-line one). */
  async reply(): Promise<string> {
    for (;;) {
      const match = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(this.#buffer);
      if (match) {
        this.#buffer = this.#buffer.slice(match[0].length);
        return match[0].replace(/\r?\n$/, '');
      }
      if (this.socket.destroyed || this.socket.readableEnded) throw new Error(`connection closed; unread: ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  write(text: string): void {
    this.socket.write(text);
  }

  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }
}
