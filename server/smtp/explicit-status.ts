import type { SMTPConnection } from './prompt-server.js';

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3}(?: |$)/;

/**
 * smtp-server picks the enhanced status code (RFC 3463) of every reply from its own table, so
 * "550 5.1.1" comes out for any 550. Real providers use codes that table cannot know (Gmail's
 * 550 5.4.5 daily quota). Our convention: a reply whose text starts with an enhanced code is
 * sent as written, without the library adding another one.
 */
export function honourExplicitStatusCodes(connection: SMTPConnection): void {
  const target = connection as unknown as { send: (code: number, data?: string | string[], context?: unknown) => void };
  const send = target.send.bind(connection);
  target.send = (code, data, context) => {
    const first = Array.isArray(data) ? data[0] : data;
    send(code, data, typeof first === 'string' && ENHANCED.test(first) ? false : context);
  };
}

export function withStatus(responseCode: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode });
}
