import { connect, type Socket } from 'node:net';

/**
 * A raw SMTP client for bursts of pipelined commands (100,000 RCPT, say): it counts the final
 * reply lines as they come and keeps the last one. Re-scanning what it buffered, as a client
 * that waits for a pattern does, would itself be quadratic in the replies.
 */
export class CountingClient {
  replies = 0;
  last = '';
  /** Called with each final reply line as it arrives. */
  onReply: (line: string) => void = () => {};
  #partial = '';
  #waiters: Array<() => void> = [];

  constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\r\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!/^\d{3} /.test(line)) continue;
        this.replies++;
        this.last = line;
        this.onReply(line);
      }
      this.#wake();
    });
    socket.on('close', () => this.#wake());
    socket.on('error', () => {});
  }

  static open(port: number): Promise<CountingClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new CountingClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Resolves with the last reply once this many final replies have come in all; throws if the connection closes first. */
  async until(replies: number): Promise<string> {
    while (this.replies < replies) {
      if (this.socket.destroyed) throw new Error(`closed after ${this.replies} replies: ${this.last}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.last;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** `n` pipelined RCPT commands, to r0@example.org, r1@example.org … (their order is the envelope's). */
export function rcptBurst(n: number, domain = 'example.org'): string {
  let commands = '';
  for (let i = 0; i < n; i++) commands += `RCPT TO:<r${i}@${domain}>\r\n`;
  return commands;
}

/** The addresses rcptBurst(n) names, in order. */
export function burstAddresses(n: number, domain = 'example.org'): string[] {
  return Array.from({ length: n }, (_, i) => `r${i}@${domain}`);
}
