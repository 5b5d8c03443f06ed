// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata
// API; the polyfill must load before it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as never);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface KeyAndCert {
  key: string;
  cert: string;
}

export interface CertificateAuthority extends KeyAndCert {
  /** Where the CA certificate is, for users to trust (NODE_EXTRA_CA_CERTS, cafile=...). */
  path: string;
}

export type FaultCertificate = 'expired' | 'wrong-host' | 'self-signed';

/**
 * mailsim's own little PKI: a local CA, created once and kept in the data directory, that signs
 * the server certificate for localhost, 127.0.0.1, ::1 and the configured host name. Trusting
 * the CA once makes every later certificate valid; clients that do not trust it see a
 * self-signed chain, which is the default TLS fault. The fault certificates (expired, wrong
 * host, self-signed) are made on demand from the same CA.
 */
export class Certificates {
  private constructor(
    readonly ca: CertificateAuthority,
    readonly server: KeyAndCert,
    private readonly names: string[],
  ) {}

  static async open(dir: string, names: string[]): Promise<Certificates> {
    mkdirSync(dir, { recursive: true });
    const ca = await loadOrCreateCa(dir);
    const server = await loadOrCreateServer(dir, ca, names);
    return new Certificates(ca, server, names);
  }

  /** A certificate that makes a verifying client fail in one particular way. */
  async fault(kind: FaultCertificate): Promise<KeyAndCert> {
    const now = Date.now();
    if (kind === 'self-signed') return selfSigned(this.names, now);
    if (kind === 'expired') return leaf(this.ca, this.names, now - 730 * DAY, now - 365 * DAY);
    return leaf(this.ca, ['wrong-host.invalid'], now - DAY, now + 365 * DAY);
  }
}

async function loadOrCreateCa(dir: string): Promise<CertificateAuthority> {
  const path = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca-key.pem');
  if (existsSync(path) && existsSync(keyPath)) return { path, cert: readFileSync(path, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=mailsim local CA, O=mailsim',
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const ca = { path, cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
  writeFileSync(keyPath, ca.key, { mode: 0o600 });
  writeFileSync(path, ca.cert);
  return ca;
}

/** Reused while it covers every name and has a month left; otherwise reissued from the same CA. */
async function loadOrCreateServer(dir: string, ca: CertificateAuthority, names: string[]): Promise<KeyAndCert> {
  const certPath = join(dir, 'server.pem');
  const keyPath = join(dir, 'server-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    if (stillGood(cert, names)) return { cert, key: readFileSync(keyPath, 'utf8') };
  }
  const now = Date.now();
  const server = await leaf(ca, names, now - DAY, now + 825 * DAY);
  writeFileSync(keyPath, server.key, { mode: 0o600 });
  writeFileSync(certPath, server.cert);
  return server;
}

function stillGood(pem: string, names: string[]): boolean {
  try {
    const cert = new x509.X509Certificate(pem);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    const covered = new Set(san?.names.items.map((item) => item.value.toLowerCase()) ?? []);
    return cert.notAfter.getTime() - Date.now() > 30 * DAY && names.every((name) => covered.has(name.toLowerCase()));
  } catch {
    return false;
  }
}

async function leaf(ca: KeyAndCert, names: string[], notBefore: number, notAfter: number): Promise<KeyAndCert> {
  const keys = await generateKeys();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0]}`,
    issuer: caCert.subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING,
    extensions: [...serverExtensions(names), await x509.AuthorityKeyIdentifierExtension.create(caCert)],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

async function selfSigned(names: string[], now: number): Promise<KeyAndCert> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${names[0]}`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
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
