import nodemailer from 'nodemailer';
import type { FaultEvent } from '../server/protocol.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activate, sendWithNodemailer, smtplib, useScenario } from './helpers/faults.js';
import { python } from './helpers/processes.js';
import { builtIn, CAFILE, curlSmtp, nodemailerTls, SMTPLIB_STARTTLS } from './helpers/providers.js';
import { startSim, type TestSim } from './helpers/sim.js';

/**
 * Gmail and Microsoft 365 as their documentation and public transcripts show them (issue 11,
 * "Providers as they really answer"), through real clients: nodemailer, smtplib and swaks.
 */
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

const login = (user: string, password: string) => smtplib(sim.smtpPort, `${SMTPLIB_STARTTLS}\nprint(s.login('${user}', '${password}'))`);

/**
 * Each login in a session of its own, as login() does, all from one python3: a python start
 * costs 0.4-1 s on this loaded machine, and six of them made the test the slowest of the file.
 */
async function logins(...attempts: Array<[user: string, password: string]>): Promise<string[]> {
  const script = `
import json, smtplib, ssl, sys
for user, password in json.loads(sys.argv[2]):
    s = None
    try:
        s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=5)
        s.starttls(context=ssl.create_default_context(cafile=${JSON.stringify(CAFILE)}))
        result = str(s.login(user, password))
    except Exception as e:
        result = ' '.join(['raised', type(e).__name__, *(a.decode() if isinstance(a, bytes) else str(a) for a in e.args)])
    finally:
        if s and s.sock: s.close()
    print(json.dumps(result))
`;
  const { stdout, stderr } = await python(script, String(sim.smtpPort), JSON.stringify(attempts));
  if (stderr) throw new Error(stderr);
  const results = stdout.trim().split('\n').map((line) => JSON.parse(line) as string);
  expect(results).toHaveLength(attempts.length);
  return results;
}

describe('gmail', () => {
  beforeEach(() => activate(sim, 'gmail'));

  it('explicit accounts: the app password logs in; a mistyped one is 535 5.7.8; the normal password is 534 5.7.9 with 2-Step Verification, 535 without', async () => {
    const [spaced, joined, mistyped, normal, no2sv, stranger] = await logins(
      ['me@gmail.com', 'abcd efgh ijkl mnop'],
      ['me@gmail.com', 'abcdefghijklmnop'],
      ['me@gmail.com', 'abcd efgh ijkl mnoq'],
      ['me@gmail.com', 'hunter2'],
      ['no2sv@gmail.com', 'hunter2'],
      ['stranger@gmail.com', 'abcdefghijklmnop'],
    );
    expect(spaced).toMatch(/^\(235, b'2\.7\.0 Accepted'\)$/);
    expect(joined).toMatch(/^\(235, /);
    const badCredentials = /^raised SMTPAuthenticationError 535 5\.7\.8 Username and Password not accepted\. Learn more at\n5\.7\.8 {2}https:\/\/support\.google\.com\/mail\/\?p=BadCredentials \w+ - gsmtp$/;
    // Any 16 letters used to log in: a mistyped app password is a wrong password.
    expect(mistyped).toMatch(badCredentials);
    expect(normal).toMatch(/^raised SMTPAuthenticationError 534 5\.7\.9 Application-specific password required\. Learn more at\n5\.7\.9 {2}https:\/\/support\.google\.com\/mail\/\?p=InvalidSecondFactor /);
    expect(no2sv).toMatch(badCredentials);
    expect(stranger).toMatch(badCredentials);
    const nm = await sendWithNodemailer(sim.smtpPort, { from: 'me@gmail.com' }, { ...nodemailerTls(), auth: { user: 'me@gmail.com', pass: 'hunter2' } });
    expect(nm).toMatchObject({ ok: false, code: 'EAUTH', responseCode: 534 });
    // OAuth 2.0 works for both accounts (mailsim does not check tokens).
    const oauth = await sendWithNodemailer(sim.smtpPort, { from: 'no2sv@gmail.com' }, { ...nodemailerTls(), auth: { type: 'OAuth2', user: 'no2sv@gmail.com', accessToken: 'ya29.token' } });
    expect(oauth).toMatchObject({ ok: true });
  });

  it('the refusal carries its explanation on the fault.fired event (2-Step Verification, app password)', async () => {
    const faults: FaultEvent[] = [];
    const off = sim.harness.bus.on('fault.fired', (event) => faults.push(event));
    await login('me@gmail.com', 'hunter2');
    off();
    expect(faults.find((f) => f.Name === 'app-password-required')?.Explanation).toMatchObject({
      Cause: expect.stringContaining('2-Step Verification on'),
      Advice: expect.stringContaining('app password'),
      Source: 'https://support.google.com/a/answer/3726730',
    });
  });

  it('too many login attempts: 454 4.7.0 (curl, smtplib)', async () => {
    const result = await curlSmtp(sim.smtpPort, ['--user', 'too-many-logins@gmail.com:abcdefghijklmnop', '--login-options', 'AUTH=LOGIN']);
    expect(result.stderr).toContain('< 454-4.7.0 Too many login attempts, please try again later. Learn more at');
    expect(result.stderr).toMatch(/< 454 4\.7\.0 {2}https:\/\/support\.google\.com\/mail\/answer\/7126229 \w+ - gsmtp/);
    expect(result.stderr).toContain('curl: (67) Login denied');
    expect(await login('too-many-logins@gmail.com', 'x')).toMatch(/^raised SMTPAuthenticationError 454 4\.7\.0 Too many login attempts/);
  });

  it('at most 100 recipients per message: the 101st gets 452 4.5.3, the others are accepted (nodemailer)', async () => {
    const to = Array.from({ length: 101 }, (_, i) => `r${i}@example.org`);
    const result = await sendWithNodemailer(sim.smtpPort, { from: 'me@gmail.com', to }, { ...nodemailerTls(), auth: { user: 'me@gmail.com', pass: 'abcdefghijklmnop' } });
    expect(result).toMatchObject({ ok: true, rejected: ['r100@example.org'] });
    expect(result.accepted).toHaveLength(100);
  });

  it('an announced size over 35882577 bytes: 552 5.3.4 in the current wording (smtplib SMTPSenderRefused)', async () => {
    const script = `${SMTPLIB_STARTTLS}\ns.login('me@gmail.com', 'abcdefghijklmnop')\nprint(s.mail('me@gmail.com', ['size=40000000']))`;
    expect(await smtplib(sim.smtpPort, script)).toMatch(/^\(552, b"5\.3\.4 Your message exceeded Google's message size limits\. To view our message size\\n5\.3\.4 guidelines, go to {2}https:\/\/support\.google\.com\/mail\/\?p=MaxSizeError /);
  });

  it('STARTTLS answers 220 2.0.0 Ready to start TLS', async () => {
    expect(await smtplib(sim.smtpPort, `${SMTPLIB_STARTTLS.replace('s.starttls', 'print(s.starttls')})`)).toBe("(220, b'2.0.0 Ready to start TLS')");
  });
});

describe('office365', () => {
  beforeEach(() => activate(sim, 'office365'));

  it('MAIL before STARTTLS: 451 5.7.3 STARTTLS is required; STARTTLS answers 220 2.0.0 SMTP server ready (smtplib)', async () => {
    expect(await smtplib(sim.smtpPort, "s.sendmail('me@contoso.com', ['r@example.org'], 'Subject: x\\r\\n\\r\\nx')")).toMatch(
      /^raised SMTPSenderRefused 451 5\.7\.3 STARTTLS is required to send mail \[SY5P282CA0097\.outlook\.office365\.com .+ 08DE2A6028D26C22\] me@contoso\.com$/,
    );
    expect(await smtplib(sim.smtpPort, `${SMTPLIB_STARTTLS.replace('s.starttls', 'print(s.starttls')})`)).toBe("(220, b'2.0.0 SMTP server ready')");
  });

  it('a mechanism it does not offer (AUTH PLAIN): 504 5.7.4 Unrecognized authentication type (smtplib)', async () => {
    const script = `${SMTPLIB_STARTTLS}\ns.ehlo()\ns.user, s.password = 'me@contoso.com', 'secret'\nprint(s.auth('PLAIN', s.auth_plain))`;
    expect(await smtplib(sim.smtpPort, script)).toMatch(/^raised SMTPAuthenticationError 504 5\.7\.4 Unrecognized authentication type \[SY5P282CA0097\.outlook\.office365\.com /);
  });

  it('SendAs: a From other than the mailbox is 550 5.7.60 after DATA (nodemailer EMESSAGE)', async () => {
    const auth = { user: 'me@contoso.com', pass: 'secret' };
    const sendAs = await sendWithNodemailer(sim.smtpPort, { from: 'boss@contoso.com' }, { ...nodemailerTls(), auth });
    expect(sendAs).toMatchObject({ ok: false, code: 'EMESSAGE', responseCode: 550 });
    expect(sendAs.response).toMatch(/^550 5\.7\.60 SMTP; Client does not have permissions to send as this sender \[/);
    expect((await sendWithNodemailer(sim.smtpPort, { from: auth.user }, { ...nodemailerTls(), auth })).ok).toBe(true);
  });

  it('concurrent connections: the fourth connection of a mailbox gets 432 4.3.2, the three open before it go on (nodemailer pools)', async () => {
    const auth = { user: 'me@contoso.com', pass: 'secret' };
    const transports = Array.from({ length: 4 }, () => nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, pool: true, maxConnections: 1, auth, ...nodemailerTls() }));
    const send = (i: number) => transports[i]!.sendMail({ from: auth.user, to: 'r@example.org', text: 'x' }).then((info) => info.response, (e: { response: string }) => e.response);
    try {
      for (const i of [0, 1, 2]) expect(await send(i)).toMatch(/^250 /);
      expect(await send(3)).toMatch(/^432 4\.3\.2 Concurrent connections limit exceeded\./);
      // Before: every connection of the mailbox was refused while four were open.
      for (const i of [0, 1, 2]) expect(await send(i)).toMatch(/^250 /);
    } finally {
      for (const t of transports) t.close();
    }
  });

  it('the daily recipient quota: 554 5.2.0 OutboundSpamException after DATA (smtplib SMTPDataError)', async () => {
    const scenario = builtIn('office365', 'office365-small-quota');
    scenario.limits = scenario.limits!.map((l) => (l.name === 'daily-recipient-quota' ? { ...l, max: 1 } : l));
    await useScenario(sim, scenario);
    const send = `s.sendmail('me@contoso.com', ['r@example.org'], 'From: me@contoso.com\\r\\nSubject: x\\r\\n\\r\\nx')`;
    const script = `${SMTPLIB_STARTTLS}\ns.login('me@contoso.com', 'secret')\nprint(${send})\n${send}`;
    expect(await smtplib(sim.smtpPort, script)).toMatch(
      /^\{\}\nraised SMTPDataError 554 5\.2\.0 STOREDRV\.Submission\.Exception:OutboundSpamException; Failed to process message due to a permanent exception with message WASCL UserAction verdict is not None\. Actual verdict is RefuseQuota, ShowTierUpgrade\./,
    );
  });
});

describe('microsoft365-basic-auth-retired', () => {
  beforeEach(() => activate(sim, 'microsoft365-basic-auth-retired'));

  it('AUTH LOGIN gets 550 5.7.30 whatever the password (nodemailer, curl); XOAUTH2 logs in and sends', async () => {
    const basic = await sendWithNodemailer(sim.smtpPort, { from: 'me@contoso.com' }, { ...nodemailerTls(), auth: { user: 'me@contoso.com', pass: 'the-right-one' } });
    expect(basic).toMatchObject({ ok: false, code: 'EAUTH', responseCode: 550, response: '550 5.7.30 Basic authentication is not supported for Client Submission.' });
    const result = await curlSmtp(sim.smtpPort, ['--user', 'me@contoso.com:secret']);
    expect(result.stderr).toContain('< 550 5.7.30 Basic authentication is not supported for Client Submission.');
    expect(result.stderr).toContain('curl: (67) Login denied');
    const oauth = await sendWithNodemailer(sim.smtpPort, { from: 'me@contoso.com' }, { ...nodemailerTls(), auth: { type: 'OAuth2', user: 'me@contoso.com', accessToken: 'ya29.token' } });
    expect(oauth).toMatchObject({ ok: true });
    expect(oauth.response).toMatch(/^250 2\.0\.0 OK </);
  });
});
