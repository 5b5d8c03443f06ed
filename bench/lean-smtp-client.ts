import { connect, type Socket } from 'node:net';

/**
 * The benchmark's SMTP client: a socket and a reply parser, nothing else, so that the client
 * costs as little CPU as possible and the figures describe the server. Both servers under test
 * are driven by this same client.
 */
export class LeanSmtpClient {
  #socket: Socket;
  #buffer = '';
  #pending: ((reply: string) => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#drain();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<LeanSmtpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new LeanSmtpClient(socket)));
      socket.once('error', reject);
    });
  }

  #drain(): void {
    if (!this.#pending) return;
    // A reply ends with a line whose 4th character is a space ("250 ..."), not a dash.
    const match = /(?:^|\n)\d{3}(?: [^\n]*)?\r\n/.exec(this.#buffer);
    if (!match) return;
    const end = match.index + match[0].length;
    const reply = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end);
    const resolve = this.#pending;
    this.#pending = undefined;
    resolve(reply);
  }

  reply(): Promise<string> {
    return new Promise((resolve) => {
      this.#pending = resolve;
      this.#drain();
    });
  }

  async send(data: string | Buffer, expect: string): Promise<string> {
    this.#socket.write(data);
    const reply = await this.reply();
    if (!reply.startsWith(expect)) throw new Error(`expected ${expect}, got ${reply.trim()}`);
    return reply;
  }

  /** One transaction; resolves with ms from the end-of-data marker to the 250. */
  async transaction(message: Buffer): Promise<number> {
    await this.send('MAIL FROM:<bench@example.com>\r\n', '250');
    await this.send('RCPT TO:<sink@example.org>\r\n', '250');
    await this.send('DATA\r\n', '354');
    this.#socket.write(message);
    const started = performance.now();
    await this.send('.\r\n', '250');
    return performance.now() - started;
  }

  async greet(): Promise<void> {
    const banner = await this.reply();
    if (!banner.startsWith('220')) throw new Error(`no banner: ${banner}`);
    await this.send('EHLO bench.example\r\n', '250');
  }

  async quit(): Promise<void> {
    await this.send('QUIT\r\n', '221');
    this.#socket.end();
  }
}

/** A ~4 KiB message (headers included), dot-safe, CRLF line ends. */
export function fourKiBMessage(): Buffer {
  const line = 'The quick brown fox jumps over the lazy dog, again and again and again.';
  const headers = 'From: Bench <bench@example.com>\r\nTo: sink@example.org\r\nSubject: throughput\r\nMessage-ID: <bench@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';
  let body = '';
  while (headers.length + body.length + line.length + 2 <= 4096) body += `${line}\r\n`;
  return Buffer.from(headers + body, 'latin1');
}
