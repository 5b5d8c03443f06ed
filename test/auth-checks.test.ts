import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dkimSign } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { MessageAuth } from '../server/protocol.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';
import { python } from './helpers/processes.js';

/** A real 2048-bit RSA key; its public half is published in the scenario's DNS. */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const DKIM_TXT = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

/** example.com lets 127.0.0.1 send and signs with s=mail; elsewhere.test lets only 192.0.2.1 send. */
const DNS = {
  'example.com': { TXT: 'v=spf1 ip4:127.0.0.1 -all' },
  'mail._domainkey.example.com': { TXT: DKIM_TXT },
  '_dmarc.example.com': { TXT: 'v=DMARC1; p=reject' },
  'elsewhere.test': { TXT: 'v=spf1 ip4:192.0.2.1 -all' },
  'client.example.com': { TXT: 'v=spf1 ip4:127.0.0.1 -all' },
};

const tempDir = () => mkdtempSync(join(tmpdir(), 'mailsim-auth-'));

function scenarioDir(scenario: Record<string, unknown>): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'auth.yaml'), stringify(scenario));
  return dir;
}

const MESSAGE = (from: string) =>
  `From: ${from}\r\nTo: you@gmail.com\r\nSubject: hello\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello, signed world.\r\n`;

async function signed(message: string, domain = 'example.com'): Promise<string> {
  const options = { signatureData: [{ signingDomain: domain, selector: 'mail', privateKey: PRIVATE_PEM }] };
  const { signatures } = await dkimSign(message, options as unknown as Parameters<typeof dkimSign>[1]);
  return signatures + message;
}

function transport(sim: TestSim) {
  return nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true, name: 'client.example.com' });
}

async function authOf(sim: TestSim, id: string): Promise<MessageAuth> {
  const { status, body } = await getJson<MessageAuth>(`${sim.url}/api/v1/message/${id}/auth-check`);
  expect(status).toBe(200);
  return body;
}

async function latestId(sim: TestSim): Promise<string> {
  return (await getJson<{ messages: { ID: string }[] }>(`${sim.url}/api/v1/messages`)).body.messages[0]!.ID;
}

// The first check of a mailsim starts its auth thread (tsx and mailauth load in it: seconds on a loaded machine).
describe('message authentication (DKIM, SPF, DMARC by mailauth)', { timeout: 60_000 }, () => {
  let sim: TestSim | undefined;
  let shared: TestSim | undefined;
  /** One mailsim (and one auth thread, whose start is most of a check's cost here) for the checks against the same DNS. */
  const withDns = async () => (shared ??= await startSim({ scenarios: scenarioDir({ dns: DNS }), scenario: 'auth' }));
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });
  afterAll(async () => {
    await shared?.stop();
  });

  it('passes a message nodemailer signed with a real key, checked only against the declared DNS', async () => {
    const sim = await withDns();
    await transport(sim).sendMail({
      envelope: { from: 'news@example.com', to: ['you@gmail.com'] },
      from: 'news@example.com',
      to: 'you@gmail.com',
      subject: 'signed',
      text: 'Hello',
      dkim: { domainName: 'example.com', keySelector: 'mail', privateKey: PRIVATE_PEM },
    });
    const auth = await authOf(sim, await latestId(sim));
    expect(auth.DKIM).toMatchObject({ Result: 'pass', Signatures: [{ Domain: 'example.com', Selector: 'mail', Result: 'pass', AlignedWith: 'example.com' }] });
    expect(auth.SPF).toMatchObject({ Result: 'pass', Domain: 'example.com' });
    expect(auth.SPF.Reason).toContain('designates 127.0.0.1 as permitted sender');
    expect(auth.HeloSPF).toMatchObject({ Result: 'pass', Domain: 'client.example.com' });
    expect(auth.DMARC).toMatchObject({ Result: 'pass', Domain: 'example.com', Policy: 'reject' });
    expect(auth.AuthenticationResults).toMatch(/^Authentication-Results: mailsim\.test;/);
    expect(auth.NetworkLookups).toBe(false);
    // No lookup left the process: every name was declared or answered "does not exist" locally.
    expect(auth.DNS.length).toBeGreaterThan(0);
    expect(auth.DNS.every((lookup) => lookup.Source !== 'network')).toBe(true);
    // The second request is the kept result, not a second check.
    expect((await authOf(sim, auth.ID)).Checked).toBe(auth.Checked);
  });

  it('fails a tampered body with the reason, and SPF for a client the sender domain does not list', async () => {
    const sim = await withDns();
    const raw = (await signed(MESSAGE('news@example.com'))).replace('Hello, signed world.', 'Hello, changed world.');
    await transport(sim).sendMail({ envelope: { from: 'bounces@elsewhere.test', to: ['you@gmail.com'] }, raw });
    const auth = await authOf(sim, await latestId(sim));
    expect(auth.DKIM.Result).toBe('fail');
    expect(auth.DKIM.Reason).toContain('body hash did not verify');
    expect(auth.SPF).toMatchObject({ Result: 'fail', Domain: 'elsewhere.test' });
    expect(auth.SPF.Reason).toContain('does not designate 127.0.0.1');
    // Neither an aligned signature nor an aligned SPF pass: example.com's p=reject applies.
    expect(auth.DMARC).toMatchObject({ Result: 'fail', Domain: 'example.com' });
    expect(auth.DNS.find((lookup) => lookup.Name === '_dmarc.example.com')).toMatchObject({ Source: 'declared' });
  });

  it('checks the bytes as received, not the stored trace fields: no Message-ID fails the best practice at end of DATA and via the API', async () => {
    // Signed and sent without a Message-ID: the store adds one (as Mailpit does), with Return-Path and Received.
    const raw = await signed(MESSAGE('news@example.com').replace('Message-ID: <1@example.com>\r\n', ''));
    const messageIdCheck = (auth: MessageAuth) => auth.BestPractice.find((item) => item.Check === 'message-id');
    // Via the API: the default rules never look at auth facts, so the message is first checked on request.
    const api = await withDns();
    await transport(api).sendMail({ envelope: { from: 'news@example.com', to: ['you@gmail.com'] }, raw });
    const id = await latestId(api);
    const stored = await fetch(`${api.url}/api/v1/message/${id}/raw`).then((r) => r.text());
    expect(stored).toMatch(/^Return-Path: <news@example.com>\r\nReceived: .*\r\nMessage-ID: <[^>]+>\r\n/);
    const viaApi = await authOf(api, id);
    expect(messageIdCheck(viaApi)).toMatchObject({ Result: 'fail', Detail: 'no Message-ID header (RFC 5322 §3.6.4)' });
    expect(viaApi.DKIM.Result).toBe('pass');
    // At end of DATA: a rule on auth facts makes the adapter check before the scenario decides.
    sim = await startSim({ scenarios: scenarioDir({ dns: DNS, rules: [{ when: { phase: 'data-end', auth: { dkim: 'fail' } }, action: { reply: { code: 550, text: 'unsigned' } } }] }), scenario: 'auth' });
    await transport(sim).sendMail({ envelope: { from: 'news@example.com', to: ['you@gmail.com'] }, raw });
    const atData = await authOf(sim, await latestId(sim));
    expect(messageIdCheck(atData)).toMatchObject({ Result: 'fail' });
    expect(atData.DKIM.Result).toBe('pass');
    // The other client is still served.
    expect((await fetch(`${api.url}/livez`)).status).toBe(200);
  });

  it('aligns DMARC through SPF alone, and reports an undeclared From domain as none without asking the network', async () => {
    const sim = await withDns();
    await transport(sim).sendMail({ envelope: { from: 'bounce@example.com', to: ['you@gmail.com'] }, raw: MESSAGE('news@example.com') });
    const aligned = await authOf(sim, await latestId(sim));
    expect(aligned.DKIM.Result).toBe('none');
    expect(aligned.DMARC).toMatchObject({ Result: 'pass', SPFAligned: 'example.com', DKIMAligned: '' });

    await transport(sim).sendMail({ envelope: { from: 'me@undeclared.test', to: ['you@gmail.com'] }, raw: MESSAGE('me@undeclared.test') });
    const none = await authOf(sim, await latestId(sim));
    expect(none.SPF.Result).toBe('none');
    expect(none.DMARC.Result).toBe('none');
    expect(none.DNS.filter((lookup) => lookup.Name.endsWith('undeclared.test')).every((lookup) => lookup.Source === 'missing')).toBe(true);
  });

  it('hashes a 20 MiB signed body off the event loop: the loop never stalls for a fraction of the check', async () => {
    const sim = await withDns();
    const line = `${'x'.repeat(76)}\r\n`;
    const body = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length));
    const message = `From: news@example.com\r\nTo: you@gmail.com\r\nSubject: big\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <big@example.com>\r\n\r\n${body}`;
    await transport(sim).sendMail({ envelope: { from: 'news@example.com', to: ['you@gmail.com'] }, raw: await signed(message) });
    const id = await latestId(sim);
    // The store's read of the 20 MiB is its own cost (on this thread); the check is measured apart from it.
    const stored = sim.harness.mailbox.get(id)!;
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    const auth = await sim.harness.authChecks.check({ raw: stored.raw, sender: 'news@example.com', recipients: 1, clientIp: '127.0.0.1', helo: 'client.example.com', scenario: 'auth' });
    const checkMs = performance.now() - started;
    delay.disable();
    expect(auth.DKIM.Result).toBe('pass');
    expect(delay.count).toBeGreaterThan(0);
    // mailauth canonicalises and hashes the body for ~2 s; on the event loop that is one stall.
    expect(delay.max / 1e6).toBeLessThan(checkMs / 4);
  });

  it('refuses with Gmail\'s 550-5.7.26 when a rule matches auth: { dmarc: fail }, as smtplib sees it, and --dns-file supplies the records', async () => {
    const dnsFile = join(tempDir(), 'dns.yaml');
    writeFileSync(dnsFile, stringify(DNS));
    sim = await startSim({ dnsFile, scenario: 'mx-gmail' });
    const spoofed = MESSAGE('ceo@example.com');
    const result = await python(
      `import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.example.com')
try:
    s.sendmail('ceo@elsewhere.test', ['you@gmail.com'], sys.argv[2])
    print('accepted')
except smtplib.SMTPDataError as e:
    print(e.smtp_code)
    print(e.smtp_error.decode())
s.quit()`,
      String(sim.smtpPort),
      spoofed,
    );
    expect(result.stderr).toBe('');
    const [code, ...text] = result.stdout.trim().split('\n');
    expect(code).toBe('550');
    expect(text[0]).toBe("5.7.26 Unauthenticated email from example.com is not accepted due to domain's");
    expect(text.at(-1)).toMatch(/^5\.7\.26 {2}https:\/\/support\.google\.com\/mail\/\?p=DmarcRejection .* - gsmtp$/);
    // A signed message from the same domain is accepted by the same scenario.
    await transport(sim).sendMail({ envelope: { from: 'ceo@example.com', to: ['you@gmail.com'] }, raw: await signed(MESSAGE('ceo@example.com')) });
    const session = (await getJson<{ sessions: { Transactions: { Outcome: string }[] }[] }>(`${sim.url}/api/v1/sessions`)).body.sessions;
    expect(session.flatMap((s) => s.Transactions.map((t) => t.Outcome)).sort()).toEqual(['delivered', 'rejected']);
  });

  it('plays Gmail\'s and Outlook\'s MX sender requirements (550 5.7.26, 421 4.7.28, 550 5.7.515) as nodemailer reports them', async () => {
    const dnsFile = join(tempDir(), 'dns.yaml');
    writeFileSync(dnsFile, stringify(DNS));
    // Gmail's 421 4.7.28 limit as in mx-gmail, after 1 message instead of 5,000.
    const limited = { limits: [{ name: 'bulk', kind: 'messages', key: 'sender-domain', match: { auth: { dmarc: { not: 'pass' } } }, max: 1, window: { rolling: '24h' }, phase: 'data-end', reply: { code: 421, enhanced: '4.7.28', text: 'rate limited' } }] };
    const dir = tempDir();
    writeFileSync(join(dir, 'limited.yaml'), stringify(limited));
    sim = await startSim({
      dnsFile,
      scenarios: dir,
      smtp: [
        { host: '127.0.0.1', port: 0, scenario: 'mx-gmail' },
        { host: '127.0.0.1', port: 0, scenario: 'mx-outlook' },
        { host: '127.0.0.1', port: 0, scenario: 'limited' },
      ],
    });
    const [gmail, outlook, limitedPort] = sim.smtpPorts as [number, number, number];
    const send = (port: number, from: string, raw: string) =>
      nodemailer
        .createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'client.example.com' })
        .sendMail({ envelope: { from, to: ['you@outlook.com'] }, raw })
        .then(
          () => 'accepted',
          (error: { responseCode?: number; response?: string }) => `${error.responseCode} ${error.response}`,
        );

    // Neither SPF nor DKIM passes for an undeclared domain: Gmail's "sender is unauthenticated".
    const unauthenticated = await send(gmail, 'me@undeclared.test', MESSAGE('me@undeclared.test'));
    expect(unauthenticated).toMatch(/^550 550-5\.7\.26 Your email has been blocked because the sender is unauthenticated\./);
    expect(unauthenticated).toContain('550-5.7.26  SPF with ip: [127.0.0.1] = did not pass');
    // SPF passes and aligns, but there is no DKIM signature: Outlook wants both.
    expect(await send(outlook, 'news@example.com', MESSAGE('news@example.com'))).toBe(
      '550 550 5.7.515 Access denied, sending domain [example.com] does not meet the required authentication level.',
    );
    expect(await send(outlook, 'news@example.com', await signed(MESSAGE('news@example.com')))).toBe('accepted');
    // The limit counts only messages that do not pass DMARC: a passing one goes by uncounted.
    expect(await send(limitedPort, 'news@example.com', await signed(MESSAGE('news@example.com')))).toBe('accepted');
    expect(await send(limitedPort, 'me@undeclared.test', MESSAGE('me@undeclared.test'))).toBe('accepted');
    expect(await send(limitedPort, 'me@undeclared.test', MESSAGE('me@undeclared.test'))).toBe('421 421 4.7.28 rate limited');
  });

  it('names the file, line and field of a bad --dns-file', async () => {
    const dnsFile = join(tempDir(), 'dns.yaml');
    writeFileSync(dnsFile, 'example.com:\n  TXT: v=spf1 -all\n  MX: "mx.example.com"\n');
    await expect(startSim({ dnsFile })).rejects.toThrow(`--dns-file ${dnsFile}:3:7 example.com.MX: an MX record as "PRIORITY HOST"`);
    writeFileSync(dnsFile, 'example.com:\n  SPF: v=spf1 -all\n');
    await expect(startSim({ dnsFile })).rejects.toThrow(`--dns-file ${dnsFile}:2:3 example.com.SPF: unknown field "SPF"`);
  });
});
