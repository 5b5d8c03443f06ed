import { MailpitClient } from 'mailpit-api';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { useMailpitSim } from './helpers/mailpit-sim.js';
import { startSim, type SendOptions, type TestSim, type Transporter } from './helpers/sim.js';

/**
 * The Proof of issue 12, part 1: every method of the real `mailpit-api` client (pinned in
 * package.json) driven against mailsim, each checked for what Mailpit answers. Methods whose
 * endpoint mailsim does not have yet are listed in NOT_YET and skipped with the reason: never
 * faked. `CLIENT_METHODS` is checked against the client's prototype, so a new client method
 * fails this file until it is covered here.
 */
const NOT_YET: Record<string, string> = {};

let sim: TestSim;
let mailpit: MailpitClient;
let transport: Transporter;

useMailpitSim((env) => ({ sim, mailpit, transport } = env));

async function send(subject: string, extra: Partial<SendOptions> = {}): Promise<string> {
  await transport.sendMail({ from: 'App <app@example.com>', to: 'user@example.org', subject, text: `Body of ${subject}`, ...extra });
  // The list, not getMessageSummary: opening a message marks it read.
  return (await mailpit.listMessages(0, 1)).messages[0]!.ID;
}

const subjects = async (query?: string) =>
  (query ? await mailpit.searchMessages({ query }) : await mailpit.listMessages()).messages.map((m) => m.Subject);

const CONTRACT: Record<string, () => Promise<void>> = {
  async getInfo() {
    await send('a');
    const info = await mailpit.getInfo();
    expect(info).toMatchObject({ Messages: 1, Unread: 1, Tags: {} });
    expect(typeof info.Version).toBe('string');
    expect(info.RuntimeStats.SMTPAccepted).toBe(1);
  },
  async getConfiguration() {
    const config = await mailpit.getConfiguration();
    expect(config).toMatchObject({ MessageRelay: { Enabled: false }, SpamAssassin: false, DuplicatesIgnored: false });
    // mailsim always has Mailpit's chaos API (mapped onto its fault engine).
    expect(config.ChaosEnabled).toBe(true);
  },
  async getMessageSummary() {
    const id = await send('first');
    await send('second');
    expect((await mailpit.getMessageSummary()).Subject).toBe('second');
    const first = await mailpit.getMessageSummary(id);
    expect(first).toMatchObject({ ID: id, Subject: 'first', From: { Name: 'App', Address: 'app@example.com' }, To: [{ Address: 'user@example.org' }] });
    expect(first.Text.trim()).toBe('Body of first');
    await expect(mailpit.getMessageSummary('does-not-exist')).rejects.toThrow(/404/);
  },
  async getMessageHeaders() {
    const id = await send('headers', { headers: { 'X-Custom': 'one' } });
    const headers = await mailpit.getMessageHeaders(id);
    expect(headers.Subject).toEqual(['headers']);
    expect(headers['X-Custom']).toEqual(['one']);
    expect((await mailpit.getMessageHeaders()).Subject).toEqual(['headers']);
  },
  async getMessageAttachment() {
    const id = await send('file', { attachments: [{ filename: 'a.json', content: '{"a":1}', contentType: 'application/json' }] });
    const part = (await mailpit.getMessageSummary(id)).Attachments[0]!;
    const blob = await mailpit.getMessageAttachment(id, part.PartID);
    expect(await blob.text()).toBe('{"a":1}');
    expect(blob.type).toMatch(/^application\/json/);
  },
  async getMessageSource() {
    const id = await send('source');
    expect(await mailpit.getMessageSource(id)).toMatch(/^[\s\S]*Subject: source[\s\S]*Body of source/);
    expect(await mailpit.getMessageSource()).toContain('Subject: source');
  },
  async listMessages() {
    for (const n of [1, 2, 3]) await send(`m${n}`);
    const page = await mailpit.listMessages(1, 1);
    expect(page).toMatchObject({ total: 3, count: 1, messages_count: 3, start: 1, tags: [] });
    expect(page.messages.map((m) => m.Subject)).toEqual(['m2']);
    expect((await mailpit.listMessages()).messages).toHaveLength(3);
    expect((await mailpit.listMessages(0, 0)).messages).toHaveLength(3);
  },
  async setReadStatus() {
    const a = await send('a');
    await send('b');
    await mailpit.setReadStatus({ IDs: [a], Read: true });
    expect(await subjects('is:read')).toEqual(['a']);
    await mailpit.setReadStatus({ Read: true });
    expect((await mailpit.listMessages()).unread).toBe(0);
    await mailpit.setReadStatus({ Search: 'subject:b', Read: false });
    expect(await subjects('is:unread')).toEqual(['b']);
    // The client's default body is {}: every message unread, as Mailpit reads it.
    await mailpit.setReadStatus();
    expect((await mailpit.listMessages()).unread).toBe(2);
    await mailpit.setReadStatus({ Search: 'after:2000/01/01', Read: true }, { tz: 'Europe/Berlin' });
    expect((await mailpit.listMessages()).unread).toBe(0);
  },
  async deleteMessages() {
    const a = await send('a');
    await send('b');
    // A cleanup racing with retention: the gone ID is skipped, the known one deleted.
    await mailpit.deleteMessages({ IDs: ['gone-already', a] });
    expect(await subjects()).toEqual(['b']);
    await mailpit.deleteMessages();
    expect((await mailpit.listMessages()).total).toBe(0);
  },
  async searchMessages() {
    await send('invoice 1', { to: 'billing@example.org', attachments: [{ filename: 'q3-report.pdf', content: 'pdf' }] });
    await send('welcome');
    expect((await mailpit.searchMessages({ query: 'subject:invoice' })).messages_count).toBe(1);
    expect((await mailpit.searchMessages({ query: 'q3-report' })).messages.map((m) => m.Subject)).toEqual(['invoice 1']);
    expect((await mailpit.searchMessages({ query: 'after:2000/01/01', tz: 'America/New_York', limit: 1 })).messages).toHaveLength(1);
    expect((await mailpit.searchMessages({ query: 'is:starred' })).messages_count).toBe(0);
  },
  async waitForMessage() {
    const waiting = mailpit.waitForMessage({ query: 'subject:"late arrival"' }, { timeout: 5_000, interval: 50 });
    await send('late arrival');
    expect((await waiting).Subject).toBe('late arrival');
  },
  async waitForMessages() {
    const waiting = mailpit.waitForMessages({ query: 'subject:batch', count: 2 }, { timeout: 5_000, interval: 50 });
    await send('batch 1');
    await send('batch 2');
    expect((await waiting).messages_count).toBe(2);
    expect((await mailpit.waitForMessages({ timeout: 1_000, interval: 50 })).messages_count).toBe(2);
  },
  async deleteMessagesBySearch() {
    await send('invoice 1');
    await send('welcome');
    await mailpit.deleteMessagesBySearch({ query: 'invoice' });
    expect(await subjects()).toEqual(['welcome']);
  },
  async getTags() {
    await send('tagged', { headers: { 'X-Tags': 'blue, red' } });
    expect(await mailpit.getTags()).toEqual(['blue', 'red']);
  },
  async setTags() {
    const id = await send('to tag');
    await mailpit.setTags({ IDs: [id, 'gone'], Tags: ['one', 'two'] });
    expect((await mailpit.getMessageSummary(id)).Tags).toEqual(['one', 'two']);
    await mailpit.setTags({ IDs: [id] });
    expect((await mailpit.getMessageSummary(id)).Tags).toEqual([]);
  },
  async renameTag() {
    await send('tagged', { headers: { 'X-Tags': 'old' } });
    await mailpit.renameTag('old', 'New Name');
    expect(await mailpit.getTags()).toEqual(['New Name']);
  },
  async deleteTag() {
    await send('tagged', { headers: { 'X-Tags': 'doomed, kept' } });
    await mailpit.deleteTag('doomed');
    expect(await mailpit.getTags()).toEqual(['kept']);
  },
  async getChaosTriggers() {
    const triggers = await mailpit.getChaosTriggers();
    expect(triggers).toMatchObject({ Sender: { ErrorCode: expect.any(Number), Probability: 0 }, Recipient: { Probability: 0 }, Authentication: { Probability: 0 } });
  },
  async setChaosTriggers() {
    const set = await mailpit.setChaosTriggers({ Recipient: { ErrorCode: 451, Probability: 100 } });
    expect(set.Recipient).toEqual({ ErrorCode: 451, Probability: 100 });
    await expect(transport.sendMail({ from: 'a@example.com', to: 'b@example.org', subject: 'x', text: 'x' })).rejects.toThrow(/451/);
    expect((await mailpit.setChaosTriggers()).Recipient.Probability).toBe(0);
  },
  async renderMessageHTML() {
    const id = await send('html', { html: '<h1>Hi</h1>' });
    expect(await mailpit.renderMessageHTML(id)).toContain('<h1>Hi</h1>');
    expect(await mailpit.renderMessageHTML(id, 1)).toContain('<h1>Hi</h1>');
    // Mailpit: a message without an HTML part has no HTML view.
    const text = await send('text only');
    await expect(mailpit.renderMessageHTML(text)).rejects.toThrow(/404/);
  },
  async sendMessage() {
    const { ID } = await mailpit.sendMessage({
      From: { Email: 'app@example.com', Name: 'App' },
      To: [{ Email: 'user@example.org', Name: 'User' }],
      Subject: 'via the API',
      Text: 'hello',
      Tags: ['api'],
    });
    expect(await mailpit.getMessageSummary(ID)).toMatchObject({ Subject: 'via the API', Tags: ['api'], From: { Address: 'app@example.com', Name: 'App' } });
    await expect(mailpit.sendMessage({ From: { Email: 'not an address' }, To: [{ Email: 'user@example.org' }] } as never)).rejects.toThrow(/400/);
  },
  async releaseMessage() {
    // This instance has no relay configured: Mailpit's 400. Then one with a relay to a real SMTP server.
    const id = await send('to release');
    await expect(mailpit.releaseMessage(id, { To: ['someone@example.net'] })).rejects.toThrow(/400/);
    await expect(mailpit.releaseMessage('no-such-id', { To: ['someone@example.net'] })).rejects.toThrow(/404/);
    const received: string[][] = [];
    const relay = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, onData: (stream, session, done) => {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address));
        done();
      });
    } });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relaying = await startSim({ smtpRelayHost: '127.0.0.1', smtpRelayPort: (relay.server.address() as AddressInfo).port });
    try {
      const client = new MailpitClient(relaying.url);
      await client.sendMessage({ From: { Email: 'app@example.com' }, To: [{ Email: 'user@example.org' }], Subject: 'release me' });
      expect(await client.releaseMessage('latest', { To: ['someone@example.net'] })).toBe('ok');
      expect(received).toEqual([['someone@example.net']]);
    } finally {
      await relaying.stop();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  },
  async linkCheck() {
    // No links: nothing requested. test/link-check.test.ts checks real links on a loopback server.
    await send('no links');
    expect(await mailpit.linkCheck()).toEqual({ Errors: 0, Links: [] });
    // Without --allow-internal-http-requests a loopback link is refused, as in Mailpit.
    await send('one link', { text: `see ${sim.url}/livez` });
    expect(await mailpit.linkCheck('latest', true)).toEqual({ Errors: 1, Links: [{ URL: `${sim.url}/livez`, StatusCode: 451, Status: 'Blocked private/reserved address' }] });
  },
  async htmlCheck() {
    const html = '<!DOCTYPE html><html><head><style>a:hover { color: red }</style></head><body><div style="display: flex"><svg width="4" height="4"></svg></div></body></html>';
    const id = await send('html check', { html });
    const report = await mailpit.htmlCheck(id);
    expect(report.Warnings.map((w) => w.Slug)).toEqual(expect.arrayContaining(['html-style', 'css-display-flex', 'html-svg', 'css-pseudo-class-hover', 'html-body']));
    const flex = report.Warnings.find((w) => w.Slug === 'css-display-flex')!;
    expect(flex).toMatchObject({ Title: 'display:flex', URL: 'https://www.caniemail.com/features/css-display-flex/', Category: 'css', Score: { Found: 1 } });
    // caniemail: Outlook for Windows has never rendered flexbox; Apple Mail always has.
    expect(flex.Results).toContainEqual(expect.objectContaining({ Family: 'outlook', Platform: 'windows', Version: '2016', Support: 'no' }));
    expect(flex.Results).toContainEqual(expect.objectContaining({ Family: 'apple-mail', Platform: 'macos', Support: 'yes' }));
    expect(flex.Score.Supported + flex.Score.Partial + flex.Score.Unsupported).toBeCloseTo(100);
    // Notes come as HTML (the data set's Markdown), keyed by the number a result cites.
    const noted = report.Warnings.flatMap((w) => w.Results.filter((r) => r.NoteNumber).map((r) => w.NotesByNumber[r.NoteNumber]));
    expect(noted.length).toBeGreaterThan(0);
    expect(noted.every((note) => typeof note === 'string' && note.length > 0)).toBe(true);
    expect(report.Platforms.windows).toContain('Outlook');
    expect(report.Total).toMatchObject({ Nodes: 4 }); // style, body, div, svg (Mailpit leaves out html, head and meta)
    expect(report.Total.Supported).toBeLessThan(100);
    expect(report.Total.Supported + report.Total.Partial + report.Total.Unsupported).toBeCloseTo(100);
    // Checking does not mark the message read (Mailpit reads the raw message, as /view does).
    expect((await mailpit.listMessages(0, 1)).messages[0]!.Read).toBe(false);
    // A text-only message: Mailpit's 400 "message does not contain HTML"; an unknown ID: 404.
    await send('text only');
    await expect(mailpit.htmlCheck()).rejects.toThrow(/400 .*message does not contain HTML/);
    await expect(mailpit.htmlCheck('no-such-id')).rejects.toThrow(/404/);
  },
  async spamAssassinCheck() {
    // mailsim runs no SpamAssassin: it answers as Mailpit without --enable-spamassassin, which
    // registers no sa-check route (404) and tells its web UI SpamAssassin is off.
    await send('spam?');
    await expect(mailpit.spamAssassinCheck()).rejects.toThrow(/404/);
    expect((await mailpit.getConfiguration()).SpamAssassin).toBe(false);
  },
  async getAttachmentThumbnail() {
    const image = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#00ff00' } }).png().toBuffer();
    const id = await send('with a picture', { attachments: [{ filename: 'green.png', content: image }] });
    const { Attachments } = await mailpit.getMessageSummary(id);
    const blob = (await mailpit.getAttachmentThumbnail(id, Attachments[0]!.PartID)) as unknown as Blob;
    const meta = await sharp(Buffer.from(await blob.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 180, height: 120 });
  },
  async renderMessageText() {
    const id = await send('text');
    expect((await mailpit.renderMessageText(id)).trim()).toBe('Body of text');
    expect((await mailpit.renderMessageText()).trim()).toBe('Body of text');
  },
};

/** Public methods of the installed client, from its prototype (the constructor and `request` aside). */
const CLIENT_METHODS = Object.getOwnPropertyNames(MailpitClient.prototype).filter((name) => name !== 'constructor' && name !== 'request');

describe('mailpit-api against mailsim: every client method', () => {
  it('covers every method of the installed client', () => {
    expect(CLIENT_METHODS.filter((name) => !(name in CONTRACT) && !(name in NOT_YET))).toEqual([]);
  });

  for (const name of CLIENT_METHODS) {
    const reason = NOT_YET[name];
    if (reason) it.skip(`${name}: not yet (${reason})`, () => {});
    else it(name, async () => CONTRACT[name]?.());
  }
});
