import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildDsn, type BuiltDsn } from '../server/bounces/dsn-builder.js';
import { DSN_STYLE_NAMES, type DsnRecipient, type DsnRequest, type DsnStyleName } from '../server/bounces/dsn-request.js';
import { DSN_STYLES } from '../server/bounces/styles.js';
import { parseWithPython, type PythonReport } from './helpers/python-mime.js';

const VERP = 'bounce+123-res.partner-7@example.com';
const ARRIVED = Date.UTC(2026, 0, 2, 3, 4, 5);
const NOW = ARRIVED + 90_000;
const ORIGINAL = [
  'From: Odoo <notifications@example.com>',
  'To: nobody@example.org',
  'Subject: =?utf-8?q?Facture_=C3=A9t=C3=A9?=',
  'Message-Id: <abc.123@odoo.example.com>',
  'X-Odoo-Message-Id: <abc.123@odoo.example.com>',
  '',
  'Hello',
  '.dot line',
  '',
].join('\n');

function request(style: DsnStyleName, overrides: Partial<DsnRequest> = {}, recipient: Partial<DsnRecipient> = {}): DsnRequest {
  const failure = DSN_STYLES[style].defaultFailure('nobody@example.org');
  return {
    style,
    original: { raw: Buffer.from(ORIGINAL), envelopeFrom: VERP, arrivedAt: ARRIVED },
    recipients: [{ address: 'nobody@example.org', orcpt: 'rfc822;nobody@example.org', action: 'failed', remoteMta: 'mx.example.org', lastAttemptAt: NOW - 1_000, ...failure, ...recipient }],
    envid: 'QQ314159',
    hostname: 'mailsim.test',
    now: NOW,
    id: 'AbCdEf0123456789xyz_-A',
    ...overrides,
  };
}

/** Each DSN parsed twice: mailparser (headers, text, the returned message) and Python's email package (the report structure). */
async function build(req: DsnRequest): Promise<{ dsn: BuiltDsn; mail: ParsedMail; py: PythonReport }> {
  const dsn = await buildDsn(req);
  if (!dsn) throw new Error('no DSN built');
  const [mail, py] = await Promise.all([simpleParser(dsn.raw), parseWithPython(dsn.raw)]);
  return { dsn, mail, py };
}

const part = (mail: ParsedMail, type: string): Attachment | undefined => mail.attachments.find((a) => a.contentType === type);
const fromOf = (mail: ParsedMail) => { const [first] = mail.from?.value ?? []; return first?.name ? `${first.name} <${first.address}>` : first?.address; };

describe('RFC 3464 DSNs in RFC 6522 multipart/report, parsed back with real MIME parsers', () => {
  const reportStyles = DSN_STYLE_NAMES.filter((name) => DSN_STYLES[name].container === 'report');

  it.each(reportStyles)('%s: a failure names the recipient, the status and the reply, and returns the original', async (style) => {
    const req = request(style);
    const { dsn, mail, py } = await build(req);
    expect(dsn.envelope).toEqual({ from: '', to: [VERP] });
    expect(dsn.kind).toBe('failure');
    expect(py.type).toBe('multipart/report');
    expect(py.reportType).toBe('delivery-status');
    expect(py.parts.map((p) => p.type)).toEqual(['text/plain', 'message/delivery-status', 'message/rfc822']);
    // The VERP address round-trips into To untouched.
    expect(mail.to).toMatchObject({ value: [{ address: VERP }] });
    expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(mail.inReplyTo).toBe('<abc.123@odoo.example.com>');
    expect(mail.references).toBe('<abc.123@odoo.example.com>');
    expect(mail.messageId).toBe('<AbCdEf0123456789xyz_-A@mailsim.test>');
    expect(mail.date?.getTime()).toBe(NOW);
    const [perMessage, perRecipient] = py.status;
    expect(perMessage).toMatchObject({ 'Reporting-MTA': expect.stringMatching(/^dns; [a-z0-9.-]+$/i), 'Original-Envelope-Id': 'QQ314159', 'Arrival-Date': 'Fri, 02 Jan 2026 03:04:05 +0000' });
    expect(perRecipient).toMatchObject({ 'Final-Recipient': 'rfc822; nobody@example.org', 'Original-Recipient': 'rfc822;nobody@example.org', Action: 'failed', 'Remote-MTA': 'dns; mx.example.org', 'Last-Attempt-Date': 'Fri, 02 Jan 2026 03:05:34 +0000' });
    const status = req.recipients[0]!.status;
    expect([status, `${status} (permanent failure)`]).toContain(perRecipient!.Status);
    expect(perRecipient!['Diagnostic-Code']).toBe(`smtp; ${req.recipients[0]!.diagnostic}`);
    expect(py.returned).toMatchObject({ 'Message-Id': '<abc.123@odoo.example.com>', 'X-Odoo-Message-Id': '<abc.123@odoo.example.com>' });
    expect(py.returnedBody).toBe('Hello\r\n.dot line\r\n');
    const returned = await simpleParser(part(mail, 'message/rfc822')!.content);
    expect(returned.messageId).toBe('<abc.123@odoo.example.com>');
    expect(mail.text).toContain('nobody@example.org');
  });

  it('each provider speaks as its own MAILER-DAEMON with its own subject', async () => {
    const seen: Record<string, [string | undefined, string | undefined, string | undefined]> = {};
    for (const style of DSN_STYLE_NAMES) {
      const { mail, py } = await build(request(style));
      seen[style] = [fromOf(mail), mail.subject, py.status[0]?.['Reporting-MTA']];
    }
    expect(seen).toEqual({
      postfix: ['Mail Delivery System <MAILER-DAEMON@mailsim.test>', 'Undelivered Mail Returned to Sender', 'dns; mailsim.test'],
      gmail: ['Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'Delivery Status Notification (Failure)', 'dns; googlemail.com'],
      microsoft: ['Microsoft Outlook <postmaster@outlook.com>', 'Undeliverable: Facture été', 'dns; DM6PR05HT247.mail.protection.outlook.com'],
      yahoo: ['MAILER-DAEMON@yahoo.com', 'Failure Notice', undefined],
      ses: ['MAILER-DAEMON@amazonses.com', 'Delivery Status Notification (Failure)', 'dns; a8-70.smtp-out.amazonses.com'],
    });
  });

  it("Postfix labels its parts; Microsoft adds X-Display-Name; SES comments the status", async () => {
    expect((await build(request('postfix'))).py.parts.map((p) => p.description)).toEqual(['Notification', 'Delivery report', 'Undelivered Message']);
    expect((await build(request('microsoft'))).py.status[1]).toMatchObject({ 'X-Display-Name': 'nobody@example.org', Status: '5.1.351' });
    expect((await build(request('ses'))).py.status[1]!.Status).toBe('5.1.1 (permanent failure)');
  });

  it('Gmail adds X-Failed-Recipients and X-Original-Message-ID; its failure text is "Address not found" for 5.1.x', async () => {
    const { mail, py } = await build(request('gmail', { recipients: [request('gmail').recipients[0]!, { address: 'late@example.net', action: 'delayed', status: '4.4.1', diagnostic: 'timed out' }] }));
    expect(mail.headers.get('x-failed-recipients')).toBe('nobody@example.org');
    expect(py.status[0]!['X-Original-Message-ID']).toBe('<abc.123@odoo.example.com>');
    expect(py.status.map((block) => block.Action)).toEqual([undefined, 'failed', 'delayed']);
    expect(mail.text).toContain("** Address not found **\n\nYour message wasn't delivered to nobody@example.org because the address couldn't be found.");
  });

  it("Yahoo's qmail-style bounce: one text part with the 554.30 reply and the original below the line", async () => {
    const { mail, dsn, py } = await build(request('yahoo'));
    expect(py.type).toBe('text/plain');
    expect(mail.attachments).toEqual([]);
    expect(mail.text).toContain('Sorry, we were unable to deliver your message to the following address.\n\n<nobody@example.org>:\n554 30 Sorry, your message to nobody@example.org cannot be delivered. This mailbox is disabled (554.30).');
    expect(mail.text).toContain('--- Below this line is a copy of the message.\n\nFrom: Odoo <notifications@example.com>');
    expect(mail.text).toContain('X-Odoo-Message-Id: <abc.123@odoo.example.com>');
    expect(dsn.raw.toString()).toContain('Content-Transfer-Encoding: 7bit');
  });

  it('RET=HDRS returns text/rfc822-headers; without RET a large original returns its headers, RET=FULL the whole', async () => {
    const headersOnly = await build(request('postfix', { ret: 'HDRS' }));
    expect(headersOnly.py.parts.map((p) => p.type)).toEqual(['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
    expect(headersOnly.py.returned).toMatchObject({ 'Message-Id': '<abc.123@odoo.example.com>' });
    expect(part(headersOnly.mail, 'text/rfc822-headers')?.content.toString() ?? headersOnly.mail.text).not.toContain('Hello');
    const big = { raw: Buffer.from(ORIGINAL + 'x'.repeat(60_000) + '\n'), envelopeFrom: VERP, arrivedAt: ARRIVED };
    expect((await build(request('postfix', { original: big }))).py.parts[2]!.type).toBe('text/rfc822-headers');
    expect((await build(request('postfix', { original: big, ret: 'FULL' }))).py.returnedBody!.length).toBeGreaterThan(60_000);
    expect((await build(request('postfix', { original: big, fullLimit: 100_000 }))).py.parts[2]!.type).toBe('message/rfc822');
  });

  it('a delay report (NOTIFY=DELAY): Action delayed with Will-Retry-Until, in the providers that send them', async () => {
    const delayed = { action: 'delayed' as const, status: '4.4.1', diagnostic: 'connect to mx.example.org[192.0.2.1]:25: Connection timed out', willRetryUntil: ARRIVED + 5 * 86_400_000 };
    const { mail, dsn, py } = await build(request('postfix', {}, delayed));
    expect(dsn.kind).toBe('delay');
    expect(mail.subject).toBe('Delayed Mail (still being retried)');
    expect(mail.text).toContain('# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #');
    expect(mail.text).toContain('It will be retried until it is 5 day(s) old.');
    expect(py.status[1]).toMatchObject({ Action: 'delayed', Status: '4.4.1', 'Will-Retry-Until': 'Wed, 07 Jan 2026 03:04:05 +0000' });
    const gmail = (await build(request('gmail', {}, delayed))).mail;
    expect(gmail.subject).toBe('Delivery Status Notification (Delay)');
    expect(gmail.text).toContain('** Delivery incomplete **');
    expect(gmail.text).toContain('Gmail will retry for 120 more hours.');
    expect(await buildDsn(request('ses', {}, delayed))).toBeNull();
    expect(await buildDsn(request('yahoo', {}, delayed))).toBeNull();
  });

  it('a success report (NOTIFY=SUCCESS): Action delivered, only from providers that offer DSN', async () => {
    const delivered = { action: 'delivered' as const, status: '2.0.0', diagnostic: '250 2.0.0 Ok: queued as 4Xyz' };
    const { mail, dsn, py } = await build(request('postfix', {}, delivered));
    expect(dsn.kind).toBe('success');
    expect(mail.subject).toBe('Successful Mail Delivery Report');
    expect(py.status[1]).toMatchObject({ Action: 'delivered', Status: '2.0.0' });
    expect((await build(request('microsoft', {}, delivered))).mail.subject).toBe('Delivered: Facture été');
    expect(await buildDsn(request('gmail', {}, delivered))).toBeNull();
  });

  it('no DSN for a message with the null reverse-path, or for no recipients', async () => {
    expect(await buildDsn(request('postfix', { original: { raw: Buffer.from(ORIGINAL), envelopeFrom: '', arrivedAt: ARRIVED } }))).toBeNull();
    expect(await buildDsn(request('postfix', { recipients: [] }))).toBeNull();
  });

  it('is reproducible: the same request builds the same bytes (clock and IDs are injected); CRLF throughout', async () => {
    const [a, b] = await Promise.all([buildDsn(request('microsoft')), buildDsn(request('microsoft'))]);
    expect(a!.raw.equals(b!.raw)).toBe(true);
    expect(a!.raw.toString()).not.toMatch(/[^\r]\n/);
  });

  it('a long multi-line reply becomes one folded Diagnostic-Code field with no line over 78 octets', async () => {
    const diagnostic = "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser - gsmtp";
    const { dsn, py } = await build(request('postfix', {}, { diagnostic }));
    const report = dsn.raw.toString().split('message/delivery-status')[1]!.split('----=_mailsim')[0]!;
    expect(report.split('\r\n').every((line) => line.length <= 78)).toBe(true);
    expect(py.status[1]!['Diagnostic-Code']).toBe(`smtp; ${diagnostic.replace(/\n/g, ' ')}`);
  });
});
