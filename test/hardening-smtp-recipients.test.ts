import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../server/cli/options.js';
import type { Message, MessagesSummary } from '../server/protocol.js';
import { sendOne } from './helpers/hostile-smtp.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { rcptBurst } from './helpers/rcpt-burst.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// Issue 9, item 8: one session could pile up any number of recipients (100,000 took 126 s,
// quadratic). Postfix stops at smtpd_recipient_limit (1000) with 452 4.5.3.
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim({ maxRecipients: 1000 });
});
afterAll(() => sim.stop());

describe('--max-recipients', () => {
  it('answers RCPT past the limit 452 4.5.3, delivers to the first 1000, and serves the next client', async () => {
    const client = await RawSmtp.open(sim.smtpPort);
    await client.reply();
    await client.command('EHLO many.test');
    await client.command('MAIL FROM:<bulk@example.com>');
    client.write(rcptBurst(1200));
    const replies: string[] = [];
    for (let i = 0; i < 1200; i++) replies.push(await client.reply());
    expect(replies.filter((r) => r.startsWith('250 ')).length).toBe(1000);
    expect(replies.slice(1000)).toEqual(Array(200).fill('452 4.5.3 Too many recipients'));
    expect(await client.command('DATA')).toMatch(/^354 /);
    expect(await client.command('Subject: many\r\n\r\nhello\r\n.')).toMatch(/^250 /);
    expect(await client.command('QUIT')).toMatch(/^221 /);
    expect(await sendOne(sim.smtpPort)).toMatch(/^250 /);

    const list = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body;
    const many = list.messages.find((m) => m.Subject === 'many');
    const message = (await getJson<Message>(`${sim.url}/api/v1/message/${many!.ID}`)).body;
    expect(message.Envelope.To).toHaveLength(1000);
  });

  it('is an option and an environment variable', () => {
    expect(parseCli(['--max-recipients', '50'], {}).config.maxRecipients).toBe(50);
    expect(parseCli([], { MAILSIM_MAX_RECIPIENTS: '7' }).config.maxRecipients).toBe(7);
    expect(() => parseCli(['--max-recipients', '0'], {})).toThrow(/--max-recipients: expected a positive whole number/);
  });
});
