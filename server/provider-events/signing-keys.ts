// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata
// API; the polyfill must load before it (as in server/tls/certificate-issuer.ts).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { DAY_MS } from '../util/duration.js';

x509.cryptoProvider.set(webcrypto as never);

export interface ProviderKeys {
  /** EC P-256, as SendGrid's Signed Event Webhook uses. */
  sendgrid: KeyObject;
  /** RSA 2048 and a self-signed certificate for it, standing in for SNS's signing certificate. */
  sns: { key: KeyObject; certificatePem: string };
  /** Mailgun's "HTTP webhook signing key" is a shared secret. */
  mailgunSigningKey: string;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

/**
 * Key material for the signed provider webhooks, made once at start-up (the one impure part of
 * provider-events). The SNS certificate names mailsim, not Amazon: a receiver that insists on
 * an amazonaws.com SigningCertURL must be pointed at mailsim's certificate for local tests.
 */
export async function generateProviderKeys(now: number): Promise<ProviderKeys> {
  const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16).toString('hex').replace(/^./, '1'),
    name: 'CN=sns.mailsim.test, O=mailsim (stand-in for Amazon SNS)',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    keys,
    signingAlgorithm: RSA,
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    sendgrid,
    sns: { key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), certificatePem: cert.toString('pem') },
    mailgunSigningKey: `key-${randomBytes(16).toString('hex')}`,
  };
}
