import { connect } from 'node:net';
import nodemailer from 'nodemailer';

/**
 * What a hostile client does to an SMTP port: it waits for the banner, writes `input` (often
 * a last line without CRLF) and half-closes its side (`shutdown(SHUT_WR)`). Resolves with
 * everything the server said once the server has closed the connection too.
 */
export function halfClose(port: number, input: string | Buffer, options: { waitForBanner?: boolean } = {}): Promise<string> {
  const waitForBanner = options.waitForBanner ?? true;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      socket.end(input);
    };
    socket.on('connect', () => {
      if (!waitForBanner) send();
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (/^220 /m.test(received)) send();
    });
    socket.on('error', () => {});
    socket.on('close', () => (received || sent ? resolve(received) : reject(new Error('closed before the banner'))));
  });
}

/** A well-behaved client: one message with nodemailer; resolves with the final reply. */
export async function sendOne(port: number, subject = 'still served'): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ from: 'app@example.com', to: 'user@example.org', subject, text: 'hello' });
    return info.response;
  } finally {
    transport.close();
  }
}
