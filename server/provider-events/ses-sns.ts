import { type KeyObject, sign } from 'node:crypto';
import { domainOf, type Payload, type ProviderEvent, type RandomSource, statusOf, uuid } from './provider-event.js';

// Amazon SES notifications delivered through Amazon SNS to an HTTP(S) subscription.
// The SES JSON (notificationType, mail, bounce/complaint/delivery): "Amazon SNS notification
// contents for Amazon SES", https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
// (awsdocs/amazon-ses-developer-guide doc-source/notification-contents.md).
// The SNS envelope and its HTTP headers: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html.
// Signing: https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html — the
// string to sign is "Name\nvalue\n" for Message, MessageId, Subject (if any), Timestamp, TopicArn,
// Type in that (byte) order; SignatureVersion 1 (a topic's default) is SHA1withRSA, 2 is
// SHA256withRSA; base64.

export interface SesOptions {
  region: string;
  accountId: string;
  topicArn: string;
  /** Where the receiver fetches the signing certificate (mailsim serves its own; see the report). */
  signingCertUrl: string;
  unsubscribeUrl: string;
  /** The RSA key of the certificate at signingCertUrl. */
  privateKey: KeyObject;
  /** SNS topics sign with version 1 unless set to 2 (SetTopicAttributes SignatureVersion). */
  signatureVersion?: '1' | '2';
  /** Host of the SES sending MTA, as in the docs' delivery example. */
  reportingMta?: string;
}

const REPORTING_MTA = 'a8-70.smtp-out.amazonses.com';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function mailObject(event: ProviderEvent, options: SesOptions): Record<string, unknown> {
  const headers: Array<{ name: string; value: string }> = [];
  if (event.from) headers.push({ name: 'From', value: event.from });
  if (event.to?.length) headers.push({ name: 'To', value: event.to.join(', ') });
  if (event.headerMessageId) headers.push({ name: 'Message-ID', value: event.headerMessageId });
  if (event.subject !== undefined) headers.push({ name: 'Subject', value: event.subject });
  if (event.date) headers.push({ name: 'Date', value: event.date });
  const common: Record<string, unknown> = {};
  if (event.from) common.from = [event.from];
  if (event.date) common.date = event.date;
  if (event.to?.length) common.to = event.to;
  if (event.headerMessageId) common.messageId = event.headerMessageId;
  if (event.subject !== undefined) common.subject = event.subject;
  return {
    timestamp: iso(event.acceptedAt),
    messageId: event.providerMessageId,
    source: event.envelopeFrom,
    sourceArn: `arn:aws:ses:${options.region}:${options.accountId}:identity/${domainOf(event.envelopeFrom)}`,
    sourceIp: event.sourceIp ?? '127.0.0.1',
    sendingAccountId: options.accountId,
    destination: event.to?.length ? event.to : [event.recipient],
    // Present because mailsim includes the original headers (an SES notification setting).
    headersTruncated: false,
    headers,
    commonHeaders: common,
    // The documented ses: tags; "SendSmtpEmail" as the operation for SMTP submissions is not
    // verified (the docs' example, an API send, says "SendEmail").
    tags: { 'ses:operation': ['SendSmtpEmail'], 'ses:source-ip': [event.sourceIp ?? '127.0.0.1'], 'ses:from-domain': [domainOf(event.envelopeFrom)], 'ses:caller-identity': ['mailsim'] },
  };
}

/** The SES notification for an event; null for `deferred`: SES notifications have no such type. */
function sesNotification(event: ProviderEvent, random: RandomSource, options: SesOptions): Record<string, unknown> | null {
  const mail = mailObject(event, options);
  const feedbackId = `${random.bytes(8).toString('hex')}-${uuid(random)}-000000`;
  const reportingMTA = options.reportingMta ?? REPORTING_MTA;
  switch (event.kind) {
    case 'delivered':
      return {
        notificationType: 'Delivery',
        mail,
        delivery: { timestamp: iso(event.at), processingTimeMillis: Math.max(0, event.at - event.acceptedAt), recipients: [event.recipient], smtpResponse: event.reply ?? '250 ok', reportingMTA, remoteMtaIp: '127.0.0.1' },
      };
    case 'bounced':
    case 'dropped': {
      const status = event.kind === 'dropped' ? '5.0.0' : statusOf(event);
      // Bounce types: NoEmail when the address does not exist, OnAccountSuppressionList for a
      // message SES did not send at all (the "dropped" of other providers), else General.
      const bounceSubType = event.kind === 'dropped' ? 'OnAccountSuppressionList' : status.startsWith('5.1.') ? 'NoEmail' : 'General';
      const recipient: Record<string, unknown> = { emailAddress: event.recipient, action: 'failed', status };
      if (event.kind === 'bounced') recipient.diagnosticCode = `smtp; ${event.reply ?? '550 5.1.1 user unknown'}`;
      const bounce: Record<string, unknown> = { bounceType: 'Permanent', bounceSubType, bouncedRecipients: [recipient], timestamp: iso(event.at), feedbackId };
      // reportingMTA is "the value of the Reporting-MTA field from the DSN" (the docs), so with its "dns; ".
      if (event.kind === 'bounced') Object.assign(bounce, { remoteMtaIp: '127.0.0.1', reportingMTA: `dns; ${reportingMTA}` });
      return { notificationType: 'Bounce', mail, bounce };
    }
    case 'spam':
      return {
        notificationType: 'Complaint',
        mail,
        // complaintSubType: null, or OnAccountSuppressionList when SES did not send at all (the
        // Complaint object, https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Complaint.html);
        // userAgent, complaintFeedbackType and arrivalDate come from the ISP's feedback report
        // (RFC 5965 Feedback-Type). The userAgent text is mailsim's (each ISP writes its own).
        complaint: {
          userAgent: 'mailsim Feedback Loop (V0.01)',
          complainedRecipients: [{ emailAddress: event.recipient }],
          complaintFeedbackType: event.feedbackType ?? 'abuse',
          complaintSubType: null,
          arrivalDate: iso(event.at),
          timestamp: iso(event.at),
          feedbackId,
        },
      };
    case 'deferred':
      return null;
  }
}

/** The SNS string to sign for a Notification (field order as the SNS guide lists it). */
function snsStringToSign(message: Record<string, string>): string {
  const names = ['Message', 'MessageId', ...(message.Subject !== undefined ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type'];
  return names.map((name) => `${name}\n${message[name]}\n`).join('');
}

export function sesPayload(event: ProviderEvent, random: RandomSource, options: SesOptions, now: number): Payload | null {
  const notification = sesNotification(event, random, options);
  if (!notification) return null;
  const subscriptionArn = `${options.topicArn}:${uuid(random)}`;
  const envelope: Record<string, string> = {
    Type: 'Notification',
    MessageId: uuid(random),
    TopicArn: options.topicArn,
    Message: JSON.stringify(notification),
    Timestamp: iso(now),
    SignatureVersion: options.signatureVersion ?? '1',
  };
  const algorithm = envelope.SignatureVersion === '1' ? 'sha1' : 'sha256';
  envelope.Signature = sign(algorithm, Buffer.from(snsStringToSign(envelope)), options.privateKey).toString('base64');
  envelope.SigningCertURL = options.signingCertUrl;
  envelope.UnsubscribeURL = `${options.unsubscribeUrl}${options.unsubscribeUrl.includes('?') ? '&' : '?'}Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`;
  return {
    label: `ses ${String(notification.notificationType)}`,
    body: JSON.stringify(envelope),
    headers: {
      // SNS posts JSON as text/plain (the format page's example request).
      'Content-Type': 'text/plain; charset=UTF-8',
      'User-Agent': 'Amazon Simple Notification Service Agent',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': envelope.MessageId!,
      'x-amz-sns-topic-arn': options.topicArn,
      'x-amz-sns-subscription-arn': subscriptionArn,
    },
  };
}
