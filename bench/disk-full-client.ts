/** The client side both disk-full benches share: a message that needs new pages, and /readyz. */
import nodemailer from 'nodemailer';

const BIG = 'x'.repeat(1 << 20);

/** One message of 1 MiB (it needs new pages); the final reply, or the refusal. */
export async function send(port: number): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    return (await transport.sendMail({ from: 'a@example.com', to: 'b@example.org', subject: 'disk', text: BIG })).response;
  } catch (error) {
    return (error as { response?: string }).response ?? String(error);
  } finally {
    transport.close();
  }
}

export const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status;
