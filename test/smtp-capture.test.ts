import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Message, MessagesSummary, Session } from '../server/protocol.js';
import { nextEvent } from './helpers/events.js';
import { getJson, startSim, type TestSim, type Transporter } from './helpers/sim.js';

let sim: TestSim;
let transport: Transporter;

beforeAll(async () => {
  sim = await startSim();
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true });
});
afterAll(async () => {
  transport.close();
  await sim.stop();
});
beforeEach(() => sim.harness.reset());

describe('capturing mail sent with nodemailer', () => {
  it('stores a plain message with its envelope and parsed summary, raw bytes intact', async () => {
    const info = await transport.sendMail({
      from: 'Shop <shop@example.com>',
      to: 'Alice <alice@example.org>',
      cc: 'carol@example.org',
      replyTo: 'support@example.com',
      subject: 'Your order',
      text: 'Thanks for your order.\n\nIt ships tomorrow.',
      messageId: '<order-1@example.com>',
    });
    expect(info.response).toMatch(/^250 2\.6\.0 Ok: queued as [\w-]{22}$/);
    const id = info.response.split(' ').pop();

    const list = await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`);
    expect(list.body.total).toBe(1);
    const summary = list.body.messages[0]!;
    expect(summary).toMatchObject({
      ID: id,
      MessageID: 'order-1@example.com',
      From: { Name: 'Shop', Address: 'shop@example.com' },
      To: [{ Name: 'Alice', Address: 'alice@example.org' }],
      Cc: [{ Name: '', Address: 'carol@example.org' }],
      ReplyTo: [{ Name: '', Address: 'support@example.com' }],
      Subject: 'Your order',
      Read: false,
      Attachments: 0,
      Snippet: 'Thanks for your order. It ships tomorrow.',
      Envelope: { From: 'shop@example.com', To: ['alice@example.org', 'carol@example.org'] },
    });

    const raw = await fetch(`${sim.url}/api/v1/message/${id}/raw`).then((r) => r.text());
    expect(raw).toContain('Message-ID: <order-1@example.com>');
    expect(raw).toContain('Thanks for your order.');
    expect(summary.Size).toBe(Buffer.byteLength(raw));
  });

  it('keeps attachments retrievable by part with their checksums', async () => {
    const pdf = Buffer.from('%PDF-1.4 fake invoice bytes \u0000\u0001\u0002');
    await transport.sendMail({
      from: 'billing@example.com',
      to: 'bob@example.org',
      subject: 'Invoice',
      text: 'Invoice attached',
      html: '<p>Invoice attached <img src="cid:logo@example"></p>',
      attachments: [
        { filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'logo.png', content: Buffer.from('89504e470d0a1a0a', 'hex'), cid: 'logo@example' },
      ],
    });
    const message = (await getJson<Message>(`${sim.url}/api/v1/message/latest`)).body;
    expect(message.Attachments).toHaveLength(1);
    expect(message.Inline).toHaveLength(1);
    const attachment = message.Attachments[0]!;
    expect(attachment).toMatchObject({ FileName: 'invoice.pdf', ContentType: 'application/pdf', Size: pdf.length });
    expect(attachment.Checksums.SHA256).toBe((await import('node:crypto')).createHash('sha256').update(pdf).digest('hex'));

    const part = await fetch(`${sim.url}/api/v1/message/${message.ID}/part/${attachment.PartID}`);
    expect(part.headers.get('content-type')).toBe('application/pdf');
    expect(part.headers.get('content-disposition')).toContain('attachment; filename="invoice.pdf"');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(pdf);

    const html = await fetch(`${sim.url}/view/${message.ID}.html`);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(await html.text()).toContain(`src="/api/v1/message/${message.ID}/part/${message.Inline[0]!.PartID}"`);
  });

  it('decodes UTF-8 headers and bodies (SMTPUTF8 addresses included)', async () => {
    await transport.sendMail({
      from: '"Zoë Ünïcode" <zoe@example.com>',
      to: 'δοκιμή@παράδειγμα.δοκιμή',
      subject: 'Grüße aus Köln — 日本語 ✓',
      text: 'Ça marche très bien. 日本語のテキスト。',
    });
    const summary = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.messages[0]!;
    expect(summary.Subject).toBe('Grüße aus Köln — 日本語 ✓');
    expect(summary.From).toEqual({ Name: 'Zoë Ünïcode', Address: 'zoe@example.com' });
    expect(summary.Envelope.To).toEqual(['δοκιμή@παράδειγμα.δοκιμή']);
    const message = (await getJson<Message>(`${sim.url}/api/v1/message/${summary.ID}`)).body;
    expect(message.Text.trim()).toBe('Ça marche très bien. 日本語のテキスト。');
    const found = (await getJson<MessagesSummary>(`${sim.url}/api/v1/search?query=${encodeURIComponent('subject:"aus köln"')}`)).body;
    expect(found.messages_count).toBe(1);
  });

  it('accepts many recipients and shows envelope-only ones as Bcc', async () => {
    const to = Array.from({ length: 60 }, (_, i) => `user${i}@example.org`);
    const bcc = Array.from({ length: 40 }, (_, i) => `hidden${i}@example.net`);
    const info = await transport.sendMail({ from: 'list@example.com', to, bcc, subject: 'Newsletter', text: 'Hello all' });
    expect(info.accepted).toHaveLength(100);
    const summary = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.messages[0]!;
    expect(summary.Envelope.To).toEqual([...to, ...bcc]);
    expect(summary.To).toHaveLength(60);
    expect(summary.Bcc.map((a) => a.Address)).toEqual(bcc);
    const raw = await fetch(`${sim.url}/api/v1/message/${summary.ID}/raw`).then((r) => r.text());
    expect(raw).not.toMatch(/^Bcc:/im);
  });

  it('records the session with its transcript, masks AUTH secrets and links the message', async () => {
    const authed = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sim.smtpPort,
      ignoreTLS: true,
      auth: { user: 'app@example.com', pass: 'hunter2-secret' },
    });
    const closed = nextEvent(sim.harness.bus, 'session.closed');
    await authed.sendMail({ from: 'app@example.com', to: 'x@example.org', subject: 'hi', text: 'hi' });
    authed.close();
    const summary = await closed;
    expect(summary).toMatchObject({ Outcome: 'delivered', OutcomeCode: 250, User: 'app@example.com', Messages: 1 });

    const session = (await getJson<Session>(`${sim.url}/api/v1/session/${summary.ID}`)).body;
    const lines = session.Transcript.map((e) => `${e.Dir}: ${e.Text}`);
    expect(lines.find((line) => line.startsWith('S: '))).toBe('S: 220 mailsim.test ESMTP mailsim');
    expect(lines).toContain('C: AUTH PLAIN ****');
    expect(JSON.stringify(session)).not.toContain(Buffer.from('\u0000app@example.com\u0000hunter2-secret').toString('base64'));
    expect(JSON.stringify(session)).not.toContain('hunter2');
    expect(session.Transcript.every((e, i, all) => i === 0 || e.At >= all[i - 1]!.At)).toBe(true);
    expect(session.MessageIDs).toHaveLength(1);
    const message = (await getJson<Message>(`${sim.url}/api/v1/message/${session.MessageIDs[0]}`)).body;
    expect(message.SessionID).toBe(session.ID);
    expect(message.Username).toBe('app@example.com');
  });
});
