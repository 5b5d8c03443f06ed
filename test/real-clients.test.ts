import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Message, MessagesSummary, SessionsList } from '../server/protocol.js';
import { sessionsClosed } from './helpers/events.js';
import { python, run } from './helpers/processes.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

let sim: TestSim;
const scratch = mkdtempSync(join(tmpdir(), 'mailsim-clients-'));

beforeAll(async () => {
  sim = await startSim({ maxMessageSize: 50_000 });
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

const latest = async () => (await getJson<Message>(`${sim.url}/api/v1/message/latest`)).body;

describe("Python's smtplib", () => {
  it('logs in, sends to several recipients and is told 250 with our queue id', async () => {
    const result = await python(
      `
import smtplib, sys
from email.message import EmailMessage
msg = EmailMessage()
msg['From'] = 'Django <django@example.com>'
msg['To'] = 'a@example.org, b@example.org'
msg['Subject'] = 'Password reset for José'
msg.set_content('Follow this link: https://example.com/reset/abc\\n')
msg.add_attachment(b'col1,col2\\n1,2\\n', maintype='text', subtype='csv', filename='report.csv')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    s.login('django', 'secret')
    refused = s.send_message(msg, to_addrs=['a@example.org', 'b@example.org', 'audit@example.net'])
    print('refused', refused)
    code, text = s.noop()
    print('noop', code)
`,
      String(sim.smtpPort),
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('refused {}');
    const message = await latest();
    expect(message.Subject).toBe('Password reset for José');
    expect(message.Envelope.To).toEqual(['a@example.org', 'b@example.org', 'audit@example.net']);
    expect(message.Bcc.map((a) => a.Address)).toEqual(['audit@example.net']);
    expect(message.Attachments.map((a) => a.FileName)).toEqual(['report.csv']);
    expect(message.Username).toBe('django');
  });

  it('gets SMTPSenderRefused for an announced oversized message', async () => {
    const result = await python(
      `
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    try:
        s.sendmail('a@example.com', ['b@example.org'], 'Subject: big\\r\\n\\r\\n' + 'x' * 60000)
    except smtplib.SMTPSenderRefused as e:
        print('refused', e.smtp_code, e.smtp_error.decode())
`,
      String(sim.smtpPort),
    );
    expect(result.stdout.trim()).toMatch(/^refused 552 5\.3\.4 /);
    expect((await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.total).toBe(0);
  });
});

describe('swaks', () => {
  it('pipelines a message with an attachment', async () => {
    const file = join(scratch, 'notes.txt');
    writeFileSync(file, 'attached notes\n');
    const result = await run('swaks', [
      '--server', `127.0.0.1:${sim.smtpPort}`,
      '--from', 'swaks@example.com',
      '--to', 'ops@example.org,oncall@example.org',
      '--header', 'Subject: swaks pipelined',
      '--body', 'Sent by swaks',
      '--attach', `@${file}`,
      '--pipeline',
    ]);
    expect(result.code).toBe(0);
    // Pipelined: all three envelope commands and DATA go out before the first reply comes back.
    expect(result.stdout).toMatch(/-> MAIL FROM:<swaks@example\.com>\n -> RCPT TO:<ops@example\.org>\n -> RCPT TO:<oncall@example\.org>\n -> DATA\n<- +250 2\.1\.0 Accepted\n<- +250 2\.1\.5 Accepted\n<- +250 2\.1\.5 Accepted\n<- +354 /);
    const message = await latest();
    expect(message.Subject).toBe('swaks pipelined');
    expect(message.Envelope.To).toEqual(['ops@example.org', 'oncall@example.org']);
    expect(message.Attachments.map((a) => a.FileName)).toEqual(['notes.txt']);
  });

  it('authenticates with AUTH LOGIN and CRAM-MD5, secrets kept out of the transcript', async () => {
    const closed = sessionsClosed(sim.harness.bus, 2);
    for (const type of ['LOGIN', 'CRAM-MD5']) {
      const result = await run('swaks', [
        '--server', `127.0.0.1:${sim.smtpPort}`, '--from', 'a@example.com', '--to', 'b@example.org',
        '--auth', type, '--auth-user', 'robot', '--auth-password', 'p4ssw0rd-xyz',
      ]);
      expect(result.code, result.stdout).toBe(0);
    }
    await closed;
    const sessions = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions?outcome=delivered`)).body;
    expect(sessions.sessions.map((s) => s.User)).toEqual(['robot', 'robot']);
    for (const { ID } of sessions.sessions) {
      const text = await fetch(`${sim.url}/api/v1/session/${ID}`).then((r) => r.text());
      expect(text).not.toContain('p4ssw0rd');
      expect(text).not.toContain(Buffer.from('p4ssw0rd-xyz').toString('base64'));
    }
  });
});

describe('curl', () => {
  it('uploads a message with smtp://', async () => {
    const result = await run(
      'curl',
      ['--silent', '--show-error', `smtp://127.0.0.1:${sim.smtpPort}`, '--mail-from', 'curl@example.com', '--mail-rcpt', 'dev@example.org', '--upload-file', '-'],
      'From: curl@example.com\r\nTo: dev@example.org\r\nSubject: from curl\r\n\r\nhello from curl\r\n',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const message = await latest();
    expect(message.Subject).toBe('from curl');
    expect(message.Text.trim()).toBe('hello from curl');
  });
});
