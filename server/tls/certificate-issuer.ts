// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata
// API; the polyfill must load before it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as never);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyAndCert {
  key: string;
  cert: string;
}

export interface Validity {
  notBefore: number;
  notAfter: number;
}

/**
 * Issues certificates (ECDSA P-256, SHA-256). Loaded only when a certificate must be made: the
 * library and its ASN.1 codecs cost ~200 ms of start-up, and a warm start reuses what is stored.
 */
export async function issueCa(validity: Validity): Promise<KeyAndCert> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=mailsim local CA, O=mailsim',
    notBefore: new Date(validity.notBefore),
    notAfter: new Date(validity.notAfter),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

/** A server certificate for `names` signed by `ca`. */
export async function issueLeaf(ca: KeyAndCert, names: string[], validity: Validity): Promise<KeyAndCert> {
  const keys = await generateKeys();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0]}`,
    issuer: caCert.subject,
    notBefore: new Date(validity.notBefore),
    notAfter: new Date(validity.notAfter),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING,
    extensions: [...serverExtensions(names), await x509.AuthorityKeyIdentifierExtension.create(caCert)],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

/** A server certificate for `names` that signs itself: no CA a client could trust. */
export async function issueSelfSigned(names: string[], validity: Validity): Promise<KeyAndCert> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${names[0]}`,
    notBefore: new Date(validity.notBefore),
    notAfter: new Date(validity.notAfter),
    keys,
    signingAlgorithm: SIGNING,
    extensions: serverExtensions(names),
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

function serverExtensions(names: string[]): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(names.map((name) => ({ type: isIP(name) ? 'ip' : 'dns', value: name }))),
  ];
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function pemKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

function serial(): string {
  // Positive (top bit clear), 16 random bytes: RFC 5280 §4.1.2.2 asks for at most 20 octets.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}
