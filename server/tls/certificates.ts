import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { KeyAndCert, Validity } from './certificate-issuer.js';
import { DAY_MS } from '../util/duration.js';

export type { KeyAndCert } from './certificate-issuer.js';

/** Reissue a certificate with less than this left, rather than let it lapse during a test run. */
const MIN_REMAINING = 30 * DAY_MS;

export interface CertificateAuthority extends KeyAndCert {
  /** Where the CA certificate is, for users to trust (NODE_EXTRA_CA_CERTS, cafile=...). */
  path: string;
}

export type FaultCertificate = 'expired' | 'wrong-host' | 'self-signed';

/**
 * mailsim's own little PKI: a local CA, created once and kept in the TLS directory, that signs
 * the server certificate for localhost, 127.0.0.1, ::1 and the configured host name. Trusting
 * the CA once makes every later certificate valid; clients that do not trust it see a
 * self-signed chain, which is the default TLS fault. The fault certificates (expired, wrong
 * host, self-signed) come from the same CA and are kept beside it. Stored certificates are
 * checked with Node's own X509Certificate; the issuer is loaded only when one must be made.
 */
export class Certificates {
  private constructor(
    readonly ca: CertificateAuthority,
    readonly server: KeyAndCert,
    readonly faults: Record<FaultCertificate, KeyAndCert>,
  ) {}

  static async open(dir: string, names: string[]): Promise<Certificates> {
    mkdirSync(dir, { recursive: true });
    const store = new PemStore(dir);
    const now = Date.now();
    const ca = await store.get('ca', (cert) => remaining(cert, now) > MIN_REMAINING, async () => (await issuer()).issueCa(valid(now, 3650)));
    const caCert = new X509Certificate(ca.cert);
    const fromCa = (cert: X509Certificate) => cert.checkIssued(caCert);
    const server = await store.get(
      'server',
      (cert) => fromCa(cert) && remaining(cert, now) > MIN_REMAINING && covers(cert, names),
      async () => (await issuer()).issueLeaf(ca, names, valid(now, 825)),
    );
    const faults = {
      // Expired a year ago, so it stays expired however long it is kept.
      expired: await store.get(
        'fault-expired',
        (cert) => fromCa(cert) && remaining(cert, now) < 0 && covers(cert, names),
        async () => (await issuer()).issueLeaf(ca, names, { notBefore: now - 730 * DAY_MS, notAfter: now - 365 * DAY_MS }),
      ),
      'wrong-host': await store.get(
        'fault-wrong-host',
        (cert) => fromCa(cert) && remaining(cert, now) > MIN_REMAINING,
        async () => (await issuer()).issueLeaf(ca, ['wrong-host.invalid'], valid(now, 365)),
      ),
      'self-signed': await store.get(
        'fault-self-signed',
        (cert) => selfSigned(cert) && remaining(cert, now) > MIN_REMAINING && covers(cert, names),
        async () => (await issuer()).issueSelfSigned(names, valid(now, 365)),
      ),
    };
    return new Certificates({ ...ca, path: store.certPath('ca') }, server, faults);
  }
}

/** `<name>.pem` and `<name>-key.pem` in the TLS directory (the key readable by its owner only). */
class PemStore {
  constructor(private readonly dir: string) {}

  certPath(name: string): string {
    return join(this.dir, `${name}.pem`);
  }

  async get(name: string, good: (cert: X509Certificate) => boolean, issue: () => Promise<KeyAndCert>): Promise<KeyAndCert> {
    const certPath = this.certPath(name);
    const keyPath = join(this.dir, `${name}-key.pem`);
    if (existsSync(certPath) && existsSync(keyPath)) {
      const stored = { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
      if (usable(stored, good)) return stored;
    }
    const issued = await issue();
    writeFileSync(keyPath, issued.key, { mode: 0o600 });
    writeFileSync(certPath, issued.cert);
    return issued;
  }
}

function usable(stored: KeyAndCert, good: (cert: X509Certificate) => boolean): boolean {
  try {
    return good(new X509Certificate(stored.cert));
  } catch {
    return false;
  }
}

function issuer(): Promise<typeof import('./certificate-issuer.js')> {
  return import('./certificate-issuer.js');
}

function valid(now: number, days: number): Validity {
  return { notBefore: now - DAY_MS, notAfter: now + days * DAY_MS };
}

function remaining(cert: X509Certificate, now: number): number {
  return new Date(cert.validTo).getTime() - now;
}

function covers(cert: X509Certificate, names: string[]): boolean {
  return names.every((name) => (isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name) !== undefined));
}

/** checkIssued() would say no: a leaf without keyCertSign cannot issue, not even itself. */
function selfSigned(cert: X509Certificate): boolean {
  return cert.issuer === cert.subject && cert.verify(cert.publicKey);
}
