import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Certificates } from '../server/tls/certificates.js';

const NAMES = ['localhost', '127.0.0.1', '::1'];
const dirs: string[] = [];

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-certs-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the certificate store', () => {
  it('issues a CA, a server certificate for every name and three fault certificates', async () => {
    const certs = await Certificates.open(freshDir(), NAMES);
    const ca = new X509Certificate(certs.ca.cert);
    const server = new X509Certificate(certs.server.cert);
    expect(ca.ca).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');

    const expired = new X509Certificate(certs.faults.expired.cert);
    expect(new Date(expired.validTo).getTime()).toBeLessThan(Date.now());
    expect(expired.checkIssued(ca)).toBe(true);
    const wrongHost = new X509Certificate(certs.faults['wrong-host'].cert);
    expect(wrongHost.checkHost('localhost')).toBeUndefined();
    expect(wrongHost.checkIssued(ca)).toBe(true);
    const selfSigned = new X509Certificate(certs.faults['self-signed'].cert);
    expect(selfSigned.issuer).toBe(selfSigned.subject);
    expect(selfSigned.verify(selfSigned.publicKey)).toBe(true);
    expect(selfSigned.checkIssued(ca)).toBe(false);
  });

  it('reuses what it stored on the next start, so a trusted CA stays trusted', async () => {
    const dir = freshDir();
    const first = await Certificates.open(dir, NAMES);
    const second = await Certificates.open(dir, NAMES);
    expect(second.ca.cert).toBe(first.ca.cert);
    expect(second.server.cert).toBe(first.server.cert);
    expect(second.faults).toEqual(first.faults);
    expect(second.ca.path).toBe(join(dir, 'ca.pem'));
  });

  it('reissues the server certificate from the same CA when a host name is added', async () => {
    const dir = freshDir();
    const first = await Certificates.open(dir, NAMES);
    const second = await Certificates.open(dir, [...NAMES, 'mail.test']);
    expect(second.ca.cert).toBe(first.ca.cert);
    expect(second.server.cert).not.toBe(first.server.cert);
    expect(new X509Certificate(second.server.cert).checkHost('mail.test')).toBe('mail.test');
    expect(readFileSync(join(dir, 'server.pem'), 'utf8')).toBe(second.server.cert);
  });

  it('replaces a damaged file instead of failing to start, and keeps keys private', async () => {
    const dir = freshDir();
    const first = await Certificates.open(dir, NAMES);
    writeFileSync(join(dir, 'server.pem'), 'not a certificate');
    const second = await Certificates.open(dir, NAMES);
    expect(second.server.cert).toContain('BEGIN CERTIFICATE');
    expect(second.ca.cert).toBe(first.ca.cert);
    expect(statSync(join(dir, 'server-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('reissues server and fault certificates when the CA itself was replaced', async () => {
    const dir = freshDir();
    const first = await Certificates.open(dir, NAMES);
    rmSync(join(dir, 'ca.pem'));
    const second = await Certificates.open(dir, NAMES);
    expect(second.ca.cert).not.toBe(first.ca.cert);
    const ca = new X509Certificate(second.ca.cert);
    expect(new X509Certificate(second.server.cert).checkIssued(ca)).toBe(true);
    expect(new X509Certificate(second.faults.expired.cert).checkIssued(ca)).toBe(true);
  });
});
