import { connect, type Socket } from 'node:net';

/** A bare POP3 client over a socket, for what real clients will not send: garbage, long lines, half-closes. */
export class RawPop3 {
  readonly socket: Socket;
  #buffer = '';
  #waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#wake();
        resolve();
      }),
    );
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawPop3> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawPop3(socket)));
      socket.once('error', reject);
    });
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  /** Everything received so far. */
  get text(): string {
    return this.#buffer;
  }

  /** Waits until the received text matches (or the connection closes), then returns it all. */
  async until(pattern: RegExp, timeoutMs = 4_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#buffer.slice(from))) {
      if (this.socket.destroyed || this.socket.readableEnded) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(this.#buffer.slice(-300))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#buffer;
  }

  /** Sends a command and returns the text that arrived for it (up to a line matching `end`). */
  async command(line: string, end: RegExp = /\r\n$/): Promise<string> {
    const from = this.#buffer.length;
    this.socket.write(`${line}\r\n`);
    await this.until(end, 4_000, from);
    return this.#buffer.slice(from);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  close(): void {
    this.socket.destroy();
  }
}
