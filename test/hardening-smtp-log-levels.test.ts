import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LogFields, logTo } from '../server/ports/log.js';
import { bareListener } from './helpers/bare-listener.js';
import { sendOne } from './helpers/hostile-smtp.js';
import { RawSmtp } from './helpers/raw-smtp.js';

// Issue 9, item 3 (its last sentence): listener errors and smtp-server's own warn/error/fatal
// log calls used to be dropped (the listener had no 'error' handler beyond a crash, and the
// logger option was off). Both are provoked here by a client over loopback; each must reach
// mailsim's log, bound to the session, while the listener keeps serving.
const lines: Array<{ level: string; message: string; fields: LogFields }> = [];
const opened: string[] = [];
const listener = bareListener({
  messages: { ingest: () => Promise.resolve({ id: 'm' }) },
  sessions: { opened: (session) => opened.push(session.id), closed: () => {} },
  log: logTo((level, message, fields) => lines.push({ level, message, fields })),
});
let port = 0;
beforeAll(async () => {
  port = (await listener.listen()).port;
});
afterAll(() => listener.close(100));
beforeEach(() => {
  lines.length = 0;
});

async function until<T>(find: () => T | undefined): Promise<T> {
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('what smtp-server and the listener report', () => {
  it("smtp-server's own error line (a punycode domain it cannot decode) is in mailsim's log at its level, with the session", async () => {
    const client = await RawSmtp.open(port);
    expect(await client.reply()).toMatch(/^220 /);
    const session = opened.at(-1);
    await client.command('EHLO client.test');
    // punycode.toUnicode throws "Overflow" on this label; smtp-server logs it and refuses the address.
    expect(await client.command('MAIL FROM:<a@xn--99999999999999.example>')).toMatch(/^501 /);
    expect(await client.command('MAIL FROM:<a@example.com>')).toMatch(/^250 /);
    await client.command('QUIT');
    const line = lines.find((l) => l.fields.component === 'smtp-server' && l.message.startsWith('Failed to process punycode domain'));
    expect(line).toMatchObject({ level: 'error', fields: { session } });
    expect(line!.message).toContain('xn--99999999999999.example');
    expect(await sendOne(port)).toMatch(/^250 /);
  });

  it("the listener's 'error' event (a reset in the middle of a transaction) is logged, as the client's doing, and the next client is served", async () => {
    const client = await RawSmtp.open(port);
    await client.reply();
    await client.command('EHLO client.test');
    expect(await client.command('MAIL FROM:<a@example.com>')).toMatch(/^250 /);
    // With a sender given, smtp-server passes the reset on to the server's 'error' event.
    client.socket.resetAndDestroy();
    const line = await until(() => lines.find((l) => l.message.startsWith('SMTP listener: ')));
    expect(line).toMatchObject({ level: 'debug', fields: { err: expect.objectContaining({ code: 'ECONNRESET' }) } });
    expect(await sendOne(port)).toMatch(/^250 /);
  });
});
