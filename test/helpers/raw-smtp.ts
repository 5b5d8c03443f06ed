import { connect, type Socket } from 'node:net';

/** Who a session opened by RawSmtp.openToData says it is and writes to. */
export interface DataOpening {
  helo?: string;
  from?: string;
  to?: string;
}

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

  /**
   * A session that has been greeted, sent EHLO, MAIL FROM and RCPT TO, and told 354 after DATA:
   * what is written next is the message. Each reply is checked, so a refusal on the way names
   * the command and the reply rather than surfacing later as a confusing DATA failure.
   */
  static async openToData(port: number, { helo = 'big.test', from = 'a@example.com', to = 'b@example.org' }: DataOpening = {}): Promise<RawSmtp> {
    const client = await RawSmtp.open(port);
    try {
      expectReply('the greeting', await client.reply(), '220');
      expectReply(`EHLO ${helo}`, await client.command(`EHLO ${helo}`), '250');
      expectReply(`MAIL FROM:<${from}>`, await client.command(`MAIL FROM:<${from}>`), '250');
      expectReply(`RCPT TO:<${to}>`, await client.command(`RCPT TO:<${to}>`), '250');
      expectReply('DATA', await client.command('DATA'), '354');
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
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

function expectReply(what: string, reply: string, code: string): void {
  if (!reply.startsWith(`${code} `) && !reply.startsWith(`${code}-`)) throw new Error(`${what}: expected ${code}, got ${JSON.stringify(reply)}`);
}
