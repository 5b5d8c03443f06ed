import { createHmac, createPublicKey, createVerify, verify, X509Certificate } from 'node:crypto';
import { expect } from 'vitest';
import type { ReceivedRequest } from './http-receiver.js';

// Each provider's webhook signature checked the way that provider tells receivers to check it.

/** SendGrid: ECDSA P-256 over SHA-256 of the timestamp header + the raw body, with the base64 DER verification key. */
export function expectSendGridSigned(request: ReceivedRequest, verificationKey: string): void {
  const publicKey = createPublicKey({ key: Buffer.from(verificationKey, 'base64'), format: 'der', type: 'spki' });
  const payload = Buffer.from(String(request.headers['x-twilio-email-event-webhook-timestamp']) + request.body);
  expect(verify('sha256', payload, publicKey, Buffer.from(String(request.headers['x-twilio-email-event-webhook-signature']), 'base64'))).toBe(true);
}

/** SES through SNS: the canonical "Name\nvalue\n" string, checked with the certificate fetched from SigningCertURL. */
export async function expectSnsSigned(message: Record<string, string>): Promise<void> {
  const pem = await (await fetch(message.SigningCertURL!)).text();
  let text = '';
  for (const name of ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']) if (message[name] !== undefined) text += `${name}\n${message[name]}\n`;
  const verifier = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  verifier.update(text, 'utf8');
  expect(verifier.verify(new X509Certificate(pem).publicKey, message.Signature!, 'base64')).toBe(true);
}

/** Mailgun: HMAC-SHA256 of timestamp + token with the signing key. */
export function expectMailgunSigned(signature: { timestamp: string; token: string; signature: string }, signingKey: string): void {
  expect(createHmac('sha256', signingKey).update(signature.timestamp + signature.token).digest('hex')).toBe(signature.signature);
}
