import { createHmac, createPublicKey, createVerify, verify, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailgunPayload } from '../server/provider-events/mailgun.js';
import { postmarkPayload } from '../server/provider-events/postmark.js';
import type { ProviderEvent, ProviderEventKind } from '../server/provider-events/provider-event.js';
import { sendgridPayload, sendgridVerificationKey } from '../server/provider-events/sendgrid.js';
import { sesPayload, type SesOptions } from '../server/provider-events/ses-sns.js';
import { generateProviderKeys, type ProviderKeys } from '../server/provider-events/signing-keys.js';
import { httpReceiver } from './helpers/http-receiver.js';
import { seededRandom } from './helpers/seeded-random.js';

// Each provider's payload checked against its documented examples (key sets and value types,
// per event), and each signature verified the way that provider tells receivers to verify it,
// written out here independently of mailsim's signing code.

const AT = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const event = (kind: ProviderEventKind, extra: Partial<ProviderEvent> = {}): ProviderEvent => ({
  kind,
  providerMessageId: '14c5d75ce93.dfd.64b469',
  headerMessageId: '<abc.123@odoo.example.com>',
  recipient: 'nobody@example.org',
  envelopeFrom: 'bounce@example.com',
  from: 'Odoo <notifications@example.com>',
  to: ['nobody@example.org'],
  subject: 'Invoice',
  date: 'Fri, 02 Jan 2026 03:04:00 +0000',
  size: 809,
  acceptedAt: AT - 5_000,
  at: AT,
  reply: { delivered: '250 2.0.0 OK', deferred: '451 4.7.1 Try again later', bounced: '550 5.1.1 <nobody@example.org>: user unknown', dropped: undefined, spam: undefined }[kind],
  tags: ['cat facts'],
  ...extra,
});

/** {key: type} of an object, one level deep ("array" for arrays). */
const shape = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v]));

let keys: ProviderKeys;
beforeAll(async () => {
  keys = await generateProviderKeys(AT);
});

describe('SendGrid Event Webhook', () => {
  // The reference's examples (sendgrid/docs event.md): every field and its JSON type.
  const base = { email: 'string', timestamp: 'number', 'smtp-id': 'string', event: 'string', category: 'string', sg_event_id: 'string', sg_message_id: 'string' };
  const documented: Record<ProviderEventKind, Record<string, string>> = {
    delivered: { ...base, response: 'string' },
    deferred: { ...base, response: 'string', attempt: 'string' },
    bounced: { ...base, reason: 'string', status: 'string', type: 'string' },
    dropped: { ...base, reason: 'string', status: 'string' },
    spam: base,
  };

  it.each(Object.keys(documented) as ProviderEventKind[])('%s: a JSON array of events with the documented fields and types', (kind) => {
    const payload = sendgridPayload([event(kind)], seededRandom(), {}, AT);
    const body = JSON.parse(payload.body) as Array<Record<string, unknown>>;
    expect(Array.isArray(body)).toBe(true);
    expect(shape(body[0]!)).toEqual(documented[kind]);
    expect(body[0]).toMatchObject({ email: 'nobody@example.org', timestamp: Math.floor(AT / 1000), 'smtp-id': '<abc.123@odoo.example.com>', category: 'cat facts' });
    expect(body[0]!.event).toBe({ delivered: 'delivered', deferred: 'deferred', bounced: 'bounce', dropped: 'dropped', spam: 'spamreport' }[kind]);
    expect(payload.headers['X-Twilio-Email-Event-Webhook-Signature']).toBeUndefined();
  });

  it('bounce carries the reply and its enhanced status; deferred the attempt as a string', () => {
    const [bounce] = JSON.parse(sendgridPayload([event('bounced')], seededRandom(), {}, AT).body);
    expect(bounce).toMatchObject({ reason: '550 5.1.1 <nobody@example.org>: user unknown', status: '5.1.1', type: 'bounce' });
    const [deferred] = JSON.parse(sendgridPayload([event('deferred', { attempt: 5 })], seededRandom(), {}, AT).body);
    expect(deferred).toMatchObject({ response: '451 4.7.1 Try again later', attempt: '5' });
  });

  /** SendGrid's verification steps: ECDSA over SHA-256 of timestamp + raw payload, base64 DER signature. */
  function sendgridVerifies(publicKeyBase64: string, payload: string, signature: string, timestamp: string): boolean {
    const key = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
    return verify('sha256', Buffer.from(timestamp + payload), key, Buffer.from(signature, 'base64'));
  }

  it("the verifier written from SendGrid's docs accepts SendGrid's own test vector (sendgrid-nodejs eventwebhook.spec.js)", () => {
    const PUBLIC_KEY = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
    const SIGNATURE = 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=';
    const PAYLOAD = JSON.stringify({ category: 'example_payload', event: 'test_event', message_id: 'message_id' });
    expect(sendgridVerifies(PUBLIC_KEY, PAYLOAD, SIGNATURE, '1588788367')).toBe(true);
    expect(sendgridVerifies(PUBLIC_KEY, 'payload', SIGNATURE, '1588788367')).toBe(false);
  });

  it('with a key configured, the signature headers verify against the verification key; a changed body does not', () => {
    const payload = sendgridPayload([event('delivered'), event('bounced')], seededRandom(), { privateKey: keys.sendgrid }, AT);
    const signature = payload.headers['X-Twilio-Email-Event-Webhook-Signature']!;
    const timestamp = payload.headers['X-Twilio-Email-Event-Webhook-Timestamp']!;
    expect(timestamp).toBe(String(Math.floor(AT / 1000)));
    const publicKey = sendgridVerificationKey(keys.sendgrid);
    expect(publicKey).toMatch(/^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE[A-Za-z0-9+/]+=*$/);
    expect(sendgridVerifies(publicKey, payload.body, signature, timestamp)).toBe(true);
    expect(sendgridVerifies(publicKey, payload.body.replace('nobody', 'n0body'), signature, timestamp)).toBe(false);
    expect(sendgridVerifies(publicKey, payload.body, signature, String(Number(timestamp) + 1))).toBe(false);
  });
});

describe('Amazon SES notifications through SNS', () => {
  let receiver: Awaited<ReturnType<typeof httpReceiver>>;
  let options: SesOptions;
  beforeAll(async () => {
    receiver = await httpReceiver();
    options = {
      region: 'us-east-1',
      accountId: '123456789012',
      topicArn: 'arn:aws:sns:us-east-1:123456789012:ses-bounces',
      signingCertUrl: receiver.serve('/SimpleNotificationService-mailsim.pem', keys.sns.certificatePem),
      unsubscribeUrl: `${receiver.base}/unsubscribe`,
      privateKey: keys.sns.key,
    };
  });
  afterAll(() => receiver.close());

  const mailKeys = { timestamp: 'string', messageId: 'string', source: 'string', sourceArn: 'string', sourceIp: 'string', sendingAccountId: 'string', destination: 'array', headersTruncated: 'boolean', headers: 'array', commonHeaders: 'object', tags: 'object' };

  it('the envelope has the documented Notification fields, the SES JSON as a string in Message', () => {
    const payload = sesPayload(event('bounced'), seededRandom(), options, AT)!;
    const envelope = JSON.parse(payload.body) as Record<string, string>;
    expect(shape(envelope)).toEqual({ Type: 'string', MessageId: 'string', TopicArn: 'string', Message: 'string', Timestamp: 'string', SignatureVersion: 'string', Signature: 'string', SigningCertURL: 'string', UnsubscribeURL: 'string' });
    expect(envelope).toMatchObject({ Type: 'Notification', TopicArn: options.topicArn, Timestamp: '2026-01-02T03:04:05.678Z', SignatureVersion: '1' });
    expect(envelope.MessageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(payload.headers).toMatchObject({ 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': envelope.MessageId, 'x-amz-sns-topic-arn': options.topicArn, 'Content-Type': 'text/plain; charset=UTF-8' });
    const ses = JSON.parse(envelope.Message!);
    expect(ses.notificationType).toBe('Bounce');
    expect(shape(ses.mail)).toEqual(mailKeys);
    expect(ses.mail).toMatchObject({ messageId: '14c5d75ce93.dfd.64b469', source: 'bounce@example.com', destination: ['nobody@example.org'], sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com' });
    expect(ses.mail.commonHeaders).toEqual({ from: ['Odoo <notifications@example.com>'], date: 'Fri, 02 Jan 2026 03:04:00 +0000', to: ['nobody@example.org'], messageId: '<abc.123@odoo.example.com>', subject: 'Invoice' });
    expect(shape(ses.bounce)).toEqual({ bounceType: 'string', bounceSubType: 'string', bouncedRecipients: 'array', timestamp: 'string', feedbackId: 'string', remoteMtaIp: 'string', reportingMTA: 'string' });
    expect(ses.bounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'NoEmail', bouncedRecipients: [{ emailAddress: 'nobody@example.org', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <nobody@example.org>: user unknown' }] });
  });

  it('Delivery and Complaint have the documented objects; a suppressed (dropped) send is a Permanent bounce; deferrals post nothing', () => {
    const delivery = JSON.parse(JSON.parse(sesPayload(event('delivered'), seededRandom(), options, AT)!.body).Message);
    expect(shape(delivery.delivery)).toEqual({ timestamp: 'string', processingTimeMillis: 'number', recipients: 'array', smtpResponse: 'string', reportingMTA: 'string', remoteMtaIp: 'string' });
    expect(delivery.delivery).toMatchObject({ processingTimeMillis: 5000, smtpResponse: '250 2.0.0 OK' });
    const complaint = JSON.parse(JSON.parse(sesPayload(event('spam'), seededRandom(), options, AT)!.body).Message);
    expect(complaint.notificationType).toBe('Complaint');
    expect(shape(complaint.complaint)).toEqual({ userAgent: 'string', complainedRecipients: 'array', complaintFeedbackType: 'string', complaintSubType: 'null', arrivalDate: 'string', timestamp: 'string', feedbackId: 'string' });
    const dropped = JSON.parse(JSON.parse(sesPayload(event('dropped'), seededRandom(), options, AT)!.body).Message);
    expect(dropped.bounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList' });
    expect(sesPayload(event('deferred'), seededRandom(), options, AT)).toBeNull();
  });

  /**
   * The SNS guide's procedure: fetch SigningCertURL, take its public key, rebuild the string to
   * sign (Message, MessageId, Subject if present, Timestamp, TopicArn, Type; "name\nvalue\n"),
   * and check the base64 Signature, SHA1withRSA for version 1, SHA256withRSA for version 2.
   */
  async function snsVerifies(body: string): Promise<boolean> {
    const message = JSON.parse(body) as Record<string, string>;
    const pem = await (await fetch(message.SigningCertURL!)).text();
    const publicKey = new X509Certificate(pem).publicKey;
    let text = '';
    for (const name of ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']) if (message[name] !== undefined) text += `${name}\n${message[name]}\n`;
    const verifier = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
    verifier.update(text, 'utf8');
    return verifier.verify(publicKey, message.Signature!, 'base64');
  }

  it('the signature verifies with the certificate fetched from SigningCertURL, for SignatureVersion 2 and 1', async () => {
    for (const signatureVersion of ['2', '1'] as const) {
      const { body } = sesPayload(event('bounced'), seededRandom(), { ...options, signatureVersion }, AT)!;
      expect(await snsVerifies(body)).toBe(true);
      const tampered = JSON.parse(body);
      tampered.Message = tampered.Message.replace('NoEmail', 'General');
      expect(await snsVerifies(JSON.stringify(tampered))).toBe(false);
    }
  });
});

describe('Mailgun webhooks', () => {
  const SIGNING_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
  // Key sets of event-data in Mailgun's samples (as Anymail keeps them): delivered has
  // delivery-status; failed adds severity and reason; complained has neither.
  const common = { event: 'string', id: 'string', timestamp: 'number', 'log-level': 'string', recipient: 'string', 'recipient-domain': 'string', envelope: 'object', message: 'object', flags: 'object', tags: 'array', campaigns: 'array', 'user-variables': 'object' };

  it('signature: {timestamp, token, signature}, HMAC-SHA256 of timestamp + token with the signing key, as Mailgun says to check it', () => {
    const { body } = mailgunPayload(event('delivered'), seededRandom(), { signingKey: SIGNING_KEY }, AT);
    const { signature } = JSON.parse(body);
    expect(shape(signature)).toEqual({ token: 'string', timestamp: 'string', signature: 'string' });
    expect(signature.token).toHaveLength(50);
    expect(signature.timestamp).toBe(String(Math.floor(AT / 1000)));
    expect(createHmac('sha256', SIGNING_KEY).update(signature.timestamp + signature.token).digest('hex')).toBe(signature.signature);
    expect(createHmac('sha256', 'another key').update(signature.timestamp + signature.token).digest('hex')).not.toBe(signature.signature);
  });

  it('event-data per event: delivered, failed (permanent bounce, temporary deferral, suppress-bounce drop), complained', () => {
    const data = (kind: ProviderEventKind) => JSON.parse(mailgunPayload(event(kind), seededRandom(), { signingKey: SIGNING_KEY }, AT).body)['event-data'];
    expect(shape(data('delivered'))).toEqual({ ...common, 'delivery-status': 'object' });
    expect(data('delivered')['delivery-status']).toMatchObject({ code: 250, message: '2.0.0 OK', 'attempt-no': 1 });
    expect(shape(data('bounced'))).toEqual({ ...common, severity: 'string', reason: 'string', 'delivery-status': 'object' });
    expect(data('bounced')).toMatchObject({ event: 'failed', severity: 'permanent', reason: 'bounce', 'log-level': 'error', 'delivery-status': { code: 550, message: '5.1.1 <nobody@example.org>: user unknown' } });
    expect(data('deferred')).toMatchObject({ event: 'failed', severity: 'temporary', reason: 'generic', 'log-level': 'warn', 'delivery-status': { code: 451 } });
    expect(data('dropped')).toMatchObject({ event: 'failed', severity: 'permanent', reason: 'suppress-bounce', 'delivery-status': { code: 605, description: 'Not delivering to previously bounced address', 'session-seconds': 0 } });
    expect(shape(data('spam'))).toEqual(common);
    expect(data('spam').event).toBe('complained');
    expect(data('delivered').message.headers).toEqual({ to: 'nobody@example.org', 'message-id': 'abc.123@odoo.example.com', from: 'Odoo <notifications@example.com>', subject: 'Invoice' });
    expect(data('delivered').timestamp).toBe(AT / 1000);
  });
});

describe('Postmark webhooks', () => {
  const record = (kind: ProviderEventKind) => JSON.parse(postmarkPayload(event(kind), seededRandom(), {})!.body);

  it('Bounce (HardBounce) has the documented fields and JSON types', () => {
    expect(shape(record('bounced'))).toEqual({
      RecordType: 'string', ID: 'number', Type: 'string', TypeCode: 'number', Name: 'string', Description: 'string', Inactive: 'boolean', CanActivate: 'boolean',
      Tag: 'string', ServerID: 'number', MessageStream: 'string', MessageID: 'string', Details: 'string', Email: 'string', From: 'string', BouncedAt: 'string', DumpAvailable: 'boolean', Subject: 'string', Metadata: 'object',
    });
    expect(record('bounced')).toMatchObject({ RecordType: 'Bounce', Type: 'HardBounce', TypeCode: 1, Name: 'Hard bounce', Email: 'nobody@example.org', Details: 'smtp;550 5.1.1 <nobody@example.org>: user unknown', BouncedAt: '2026-01-02T03:04:05.678Z', Inactive: true });
  });

  it('Delivery and SpamComplaint as documented; a dropped send posts nothing (Postmark refuses it at the API)', () => {
    expect(shape(record('delivered'))).toEqual({ RecordType: 'string', ServerID: 'number', MessageStream: 'string', MessageID: 'string', Recipient: 'string', Tag: 'string', DeliveredAt: 'string', Details: 'string', Metadata: 'object' });
    expect(record('delivered')).toMatchObject({ RecordType: 'Delivery', MessageStream: 'outbound', Recipient: 'nobody@example.org', Details: '250 2.0.0 OK', Tag: 'cat facts' });
    expect(record('spam')).toMatchObject({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 512, CanActivate: false });
    expect(record('deferred')).toMatchObject({ RecordType: 'Bounce', Type: 'Transient', TypeCode: 2, Inactive: false });
    expect(postmarkPayload(event('dropped'), seededRandom(), {})).toBeNull();
  });
});
