import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Session, SessionSummary } from '../server/protocol.js';
import { nextEvent } from './helpers/events.js';
import { activate, sendWithNodemailer, smtplib, useScenario } from './helpers/faults.js';
import { run } from './helpers/processes.js';
import { getJson, startSim, TEST_TLS_DIR, type TestSim } from './helpers/sim.js';

let sim: TestSim;
let starttls: number;
let implicit: number;
let plain: number;
let ca: string;
const cafile = join(TEST_TLS_DIR, 'ca.pem');

beforeAll(async () => {
  sim = await startSim({
    smtp: [
      { host: '127.0.0.1', port: 0, mode: 'starttls' },
      { host: '127.0.0.1', port: 0, mode: 'tls' },
      { host: '127.0.0.1', port: 0, mode: 'plain' },
    ],
  });
  [starttls, implicit, plain] = sim.smtpPorts as [number, number, number];
  ca = readFileSync(cafile, 'utf8');
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

/** The next session to close on `port` (sessions record the server port). */
const closedOn = (port: number) => nextEvent(sim.harness.bus, 'session.closed', (s) => s.Server.Port === port);
const nm = (port: number, options: Record<string, unknown>) => sendWithNodemailer(port, {}, { greetingTimeout: 1500, ...options });
const verifying = `import ssl\nctx = ssl.create_default_context(cafile='${cafile}')`;

describe('listener modes with real clients', () => {
  it('STARTTLS: nodemailer trusting the CA upgrades, delivers, and the session records the TLS parameters', async () => {
    const closed = closedOn(starttls);
    expect((await nm(starttls, { ignoreTLS: false, requireTLS: true, tls: { ca } })).ok).toBe(true);
    const summary = await closed;
    expect(summary.Outcome).toBe('delivered');
    expect(summary.TLS).toMatchObject({ Protocol: 'TLSv1.3', Cipher: expect.stringMatching(/^TLS_/) });
    const transcript = (await getJson<Session>(`${sim.url}/api/v1/session/${summary.ID}`)).body.Transcript.map((e) => `${e.Dir}: ${e.Text}`);
    expect(transcript).toContain('C: STARTTLS');
    expect(transcript).toContain('S: 220 2.0.0 Ready to start TLS');
    expect(transcript.some((line) => line.startsWith('I: TLS established: TLSv1.3'))).toBe(true);
  });

  it('implicit TLS: nodemailer secure:true and Python SMTP_SSL connect; smtplib starttls verifies with the CA', async () => {
    expect((await nm(implicit, { secure: true, tls: { ca } })).ok).toBe(true);
    const ssl = await run('python3', ['-c', `${verifying}\nimport smtplib\ns = smtplib.SMTP_SSL('127.0.0.1', ${implicit}, context=ctx, timeout=5)\nprint(s.noop())`]);
    expect(ssl.stdout.trim()).toBe("(250, b'2.0.0 OK')");
    expect(await smtplib(starttls, `${verifying}\ns.starttls(context=ctx)\nprint(s.noop())`)).toBe("(250, b'2.0.0 OK')");
  });

  it('a client that does not trust the CA sees a self-signed chain (the default case for verifying clients)', async () => {
    const closed = closedOn(starttls);
    expect(await nm(starttls, { ignoreTLS: false })).toMatchObject({ ok: false, code: 'ESOCKET', message: 'self-signed certificate in certificate chain' });
    expect((await closed).OutcomeDetail).toMatch(/^tls failed: the client closed the connection during the TLS handshake/);
    expect(await smtplib(starttls, 'import ssl\ns.starttls(context=ssl.create_default_context())')).toContain('SSLCertVerificationError 1 [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain');
    const unverified = 'import ssl\nctx = ssl.create_default_context()\nctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE\ns.starttls(context=ctx)\nprint(s.noop())';
    expect(await smtplib(starttls, unverified)).toBe("(250, b'2.0.0 OK')");
    expect((await nm(starttls, { ignoreTLS: false, tls: { rejectUnauthorized: false } })).ok).toBe(true);
  });

  it('ignoreTLS sends in plaintext even where STARTTLS is offered', async () => {
    const closed = closedOn(starttls);
    expect((await nm(starttls, { ignoreTLS: true })).ok).toBe(true);
    expect((await closed).TLS).toBeNull();
  });
});

describe('protocol mismatches are recorded, not crashed on', () => {
  it('TLS spoken to a STARTTLS/plain port (465 settings against 587)', async () => {
    const closed = closedOn(starttls);
    const result = await nm(starttls, { secure: true, tls: { ca } });
    expect(result).toMatchObject({ ok: false, code: 'ESOCKET' });
    expect(result.message).toMatch(/wrong version number/);
    expect(await closed).toMatchObject({ Outcome: 'tls-failed', OutcomeDetail: expect.stringMatching(/^tls failed: the client started a TLS handshake on a plaintext port/) });
    const ssl = await run('python3', ['-c', `${verifying}\nimport smtplib\ntry:\n  smtplib.SMTP_SSL('127.0.0.1', ${plain}, context=ctx, timeout=5)\nexcept Exception as e:\n  print(type(e).__name__, e)`]);
    expect(ssl.stdout).toMatch(/^SSLError \[SSL: WRONG_VERSION_NUMBER\] wrong version number/);
  });

  it('msmtp (GnuTLS) that rejects the certificate at STARTTLS is recorded tls-failed, not dropped', async () => {
    const closed = closedOn(starttls);
    const result = await run(
      'msmtp',
      ['--host=127.0.0.1', `--port=${starttls}`, '--tls=on', '--tls-starttls=on', '--tls-trust-file=system', '--from=app@example.com', 'user@example.org'],
      'Subject: msmtp\r\n\r\nhello\r\n',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/TLS certificate verification failed|certificate/i);
    expect(result.stderr).toContain('The certificate issuer is unknown');
    const summary = await closed;
    // GnuTLS finishes the handshake, then checks the certificate and hangs up without a word.
    expect(summary).toMatchObject({ Outcome: 'tls-failed', TLS: { Protocol: 'TLSv1.3' } });
    expect(summary.OutcomeDetail).toMatch(/^tls failed: the client closed the connection right after the TLS handshake, before any command: GnuTLS clients \(msmtp\) that reject the certificate/);
    expect((await nm(starttls, { ignoreTLS: false, requireTLS: true, tls: { ca } })).ok).toBe(true);
  });

  it('a plaintext client on the implicit-TLS port (587 settings against 465) waits for a banner that never comes', async () => {
    const closed = closedOn(implicit);
    expect(await nm(implicit, { greetingTimeout: 400 })).toMatchObject({ ok: false, code: 'ETIMEDOUT', message: 'Greeting never received' });
    const summary: SessionSummary = await closed;
    expect(summary).toMatchObject({ Outcome: 'tls-failed', Server: { Port: implicit } });
    // It sent nothing: it waited for a banner, as a plain client does (not a certificate rejection).
    expect(summary.OutcomeDetail).toBe(
      'tls failed: the client spoke plain SMTP to an implicit-TLS port: it waited for a banner and sent no TLS handshake; use port 587 with STARTTLS, or enable SSL/TLS in the client',
    );
    // The session lasted as long as the client waited (greetingTimeout 400 ms), from its connect.
    expect(summary.DurationMs).toBeGreaterThanOrEqual(350);
    expect(Date.parse(summary.Ended!) - Date.parse(summary.Started)).toBe(summary.DurationMs);
    // CPython's smtplib getreply(): the banner read times out and is reported as a disconnect (what Odoo shows).
    expect(await smtplib(implicit, 'pass', 0.4)).toBe('raised SMTPServerDisconnected Connection unexpectedly closed: timed out');
  });

  it('requireTLS against a plain listener: STARTTLS is not implemented there', async () => {
    const closed = closedOn(plain);
    const result = await nm(plain, { ignoreTLS: false, requireTLS: true });
    expect(result).toMatchObject({ ok: false, code: 'ETLS', message: 'Error upgrading connection with STARTTLS: 502 5.5.1 Error: command not implemented' });
    expect((await closed).OutcomeDetail).toBe('tls failed: STARTTLS refused: 502 5.5.1 Error: command not implemented');
    expect(await smtplib(plain, 's.starttls()')).toBe('raised SMTPNotSupportedError STARTTLS extension not supported by server.');
  });
});

describe('TLS faults a scenario selects', () => {
  const verifyStarttls = `${verifying}\ns.starttls(context=ctx)\nprint(s.noop())`;
  it.each([
    ['expired-certificate', 'certificate has expired', 'SSLCertVerificationError 1 [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired'],
    ['wrong-host', "Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:wrong-host.invalid", "certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.1'."],
    ['self-signed', 'self-signed certificate', 'certificate verify failed: self-signed certificate'],
    ['old-protocols', 'tlsv1 alert protocol version', 'SSLError 1 [SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version'],
    ['handshake-abort', 'sslv3 alert handshake failure', 'SSLError 1 [SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure'],
  ] as const)('%s: nodemailer and smtplib fail as they would in production', async (fault, nodemailerText, pythonText) => {
    await useScenario(sim, { name: `tls-${fault}`, persona: { tls: { starttls: 'optional', fault } } });
    const closed = closedOn(starttls);
    const result = await nm(starttls, { ignoreTLS: false, requireTLS: true, tls: { ca, servername: 'localhost' } });
    expect(result).toMatchObject({ ok: false, code: 'ESOCKET' });
    expect(result.message).toContain(nodemailerText);
    expect((await closed).Outcome).toBe('tls-failed');
    expect(await smtplib(starttls, verifyStarttls)).toContain(pythonText);
  });

  it('old-protocols still lets a client that allows TLS 1.1 in', async () => {
    await useScenario(sim, { name: 'tls-old', persona: { tls: { starttls: 'optional', fault: 'old-protocols' } } });
    const closed = closedOn(starttls);
    expect((await nm(starttls, { ignoreTLS: false, requireTLS: true, tls: { ca, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } })).ok).toBe(true);
    expect((await closed).TLS?.Protocol).toBe('TLSv1.1');
  });

  it('unavailable (454) and not-advertised', async () => {
    await useScenario(sim, { name: 'tls-unavailable', persona: { tls: { starttls: 'optional', fault: 'unavailable' } } });
    expect(await nm(starttls, { ignoreTLS: false, requireTLS: true })).toMatchObject({ code: 'ETLS', message: 'Error upgrading connection with STARTTLS: 454 4.7.0 TLS not available due to temporary reason' });
    expect(await smtplib(starttls, 's.starttls()')).toBe('raised SMTPResponseException 454 4.7.0 TLS not available due to temporary reason');
    await useScenario(sim, { name: 'tls-hidden', persona: { tls: { starttls: 'optional', fault: 'not-advertised' } } });
    expect(await smtplib(starttls, 's.starttls()')).toBe('raised SMTPNotSupportedError STARTTLS extension not supported by server.');
  });

  it('openssl s_client sees the certificate chain mailsim issues', async () => {
    const result = await run('openssl', ['s_client', '-connect', `127.0.0.1:${starttls}`, '-starttls', 'smtp', '-CAfile', cafile, '-verify_hostname', 'localhost', '-brief'], 'QUIT\r\n');
    expect(result.stderr).toMatch(/Verification: OK/);
    expect(result.stderr).toMatch(/Protocol version: TLSv1\.3/);
  });
});

describe('a provider that requires STARTTLS (gmail)', () => {
  it('hides AUTH and refuses MAIL until STARTTLS, then behaves like smtp.gmail.com', async () => {
    await activate(sim, 'gmail');
    const noTls = await nm(starttls, { ignoreTLS: true, auth: { user: 'me@gmail.com', pass: 'abcd efgh ijkl mnop' } });
    // nodemailer only logs in when AUTH is advertised; unauthenticated and without TLS, MAIL gets 530.
    expect(noTls).toMatchObject({ ok: false, code: 'EENVELOPE', responseCode: 530 });
    expect(noTls.message).toContain('530-5.7.0 Must issue a STARTTLS command first. For more information, go to');
    const appPassword = await nm(starttls, { ignoreTLS: false, requireTLS: true, tls: { ca }, auth: { user: 'me@gmail.com', pass: 'abcd efgh ijkl mnop' } });
    expect(appPassword.ok).toBe(true);
    expect(appPassword.response).toMatch(/^250 2\.0\.0 OK {2}\d+ \w+ - gsmtp$/);
    const normalPassword = await nm(starttls, { ignoreTLS: false, requireTLS: true, tls: { ca }, auth: { user: 'me@gmail.com', pass: 'hunter2' } });
    expect(normalPassword).toMatchObject({ ok: false, code: 'EAUTH', responseCode: 534 });
    expect(normalPassword.response).toMatch(/^534-5\.7\.9 Application-specific password required\. Learn more at\n534 5\.7\.9 {2}https:\/\/support\.google\.com\/mail\/\?p=InvalidSecondFactor \w+ - gsmtp$/);
    const wrong = await smtplib(starttls, `${verifying}\ns.starttls(context=ctx)\ns.login('wrong-password@gmail.com', 'not-its-password')`);
    expect(wrong).toMatch(/^raised SMTPAuthenticationError 535 5\.7\.8 Username and Password not accepted\. Learn more at\n5\.7\.8 {2}https:\/\/support\.google\.com\/mail\/\?p=BadCredentials \w+ - gsmtp$/);
  });
});
