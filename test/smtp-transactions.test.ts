import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Session, SessionsList } from '../server/protocol.js';
import { connectMailsim } from '../server/testing/index.js';
import { sessionsClosed } from './helpers/events.js';
import { python, run } from './helpers/processes.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

let sim: TestSim;

beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

async function useScenario(name: string): Promise<void> {
  const put = await getJson(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: name }) });
  expect(put.status).toBe(200);
}

async function armFault(body: unknown): Promise<void> {
  const posted = await getJson(`${sim.url}/api/v1/faults`, { method: 'POST', body: JSON.stringify(body) });
  expect(posted.status, JSON.stringify(posted.body)).toBeLessThan(300);
}

async function latestSession(): Promise<Session> {
  return (await getJson<Session>(`${sim.url}/api/v1/session/latest`)).body;
}

async function sessionsWhere(query: string): Promise<SessionsList> {
  return (await getJson<SessionsList>(`${sim.url}/api/v1/sessions?${query}`)).body;
}

/** Another client is still served after whatever the test did. */
async function stillServes(): Promise<void> {
  const result = await run('swaks', ['--server', `127.0.0.1:${sim.smtpPort}`, '--from', 'after@example.com', '--to', 'after@example.org', '--quit-after', 'EHLO']);
  expect(result.code, result.stdout).toBe(0);
}

describe('pipelined refusals', () => {
  it('a STARTTLS-required persona refusing MAIL, RCPT and DATA blames MAIL FROM, its multi-line reply read as one text', async () => {
    await useScenario('gmail');
    const closed = sessionsClosed(sim.harness.bus, 1);
    // swaks sends MAIL, RCPT and DATA before reading a reply; Gmail's 530 is three lines long.
    const result = await run('swaks', ['--server', `127.0.0.1:${sim.smtpPort}`, '--from', 'app@example.com', '--to', 'user@example.org', '--pipeline']);
    await closed;
    expect(result.stdout).toMatch(/-> MAIL FROM:<app@example\.com>\n -> RCPT TO:<user@example\.org>\n -> DATA\n<\*\* 530-5\.7\.0 Must issue a STARTTLS/);
    const session = await latestSession();
    expect(session.Outcome).toBe('rejected');
    expect(session.OutcomeCode).toBe(530);
    expect(session.OutcomeDetail).toMatch(/^530 5\.7\.0 Must issue a STARTTLS command first\. For more information, go to https:\/\/support\.google\.com\/a\/answer\/3221692 and review RFC 3207 specifications\. \S+ - gsmtp \(reply to MAIL FROM:<app@example\.com>\)/);
    expect(session.OutcomeDetail).not.toMatch(/530-|DATA/);
    expect(session.Transactions).toHaveLength(1);
    expect(session.Transactions[0]).toMatchObject({
      Index: 1,
      From: 'app@example.com',
      Outcome: 'rejected',
      Code: 530,
      Enhanced: '5.7.0',
      Command: 'MAIL FROM:<app@example.com>',
      Accepted: [],
      Refused: [{ Address: 'user@example.org', Code: 503 }],
      MessageID: null,
    });
    await stillServes();
  });
});

describe('transactions of a reused connection', () => {
  it("the third message's 421 is recorded, filterable and not hidden by the two deliveries", async () => {
    await armFault({ when: { phase: 'mail', sender: 'third@example.com' }, action: { reply: { code: 421, enhanced: '4.7.0', text: 'Try again later, closing connection' } } });
    const closed = sessionsClosed(sim.harness.bus, 1);
    const result = await python(
      `
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
for sender in ['first@example.com', 'second@example.com', 'third@example.com']:
    try:
        s.sendmail(sender, ['app-user@example.org'], 'Subject: from ' + sender + '\\r\\n\\r\\nhello\\r\\n')
        print('sent', sender)
    except smtplib.SMTPSenderRefused as e:
        print('refused', sender, e.smtp_code)
`,
      String(sim.smtpPort),
    );
    expect(result.stdout.trim().split('\n')).toEqual(['sent first@example.com', 'sent second@example.com', 'refused third@example.com 421']);
    await closed;
    const session = await latestSession();
    expect(session.Outcome).toBe('deferred');
    expect(session.OutcomeCode).toBe(421);
    expect(session.Messages).toBe(2);
    // smtplib writes its commands in lower case ("mail FROM:<...> size=42"); the detail quotes them as sent.
    expect(session.OutcomeDetail).toMatch(/^2 messages delivered; transaction 3: 421 4\.7\.0 Try again later, closing connection \(reply to mail FROM:<third@example\.com> size=\d+\) \[one-shot 'oneshot-\d+'\]$/);
    expect(session.Transactions.map((t) => [t.Index, t.From, t.Outcome, t.Code])).toEqual([
      [1, 'first@example.com', 'delivered', 250],
      [2, 'second@example.com', 'delivered', 250],
      [3, 'third@example.com', 'deferred', 421],
    ]);
    expect(new Set(session.Transactions.slice(0, 2).map((t) => t.MessageID))).toEqual(new Set(session.MessageIDs));
    expect(session.MessageIDs).toHaveLength(2);
    expect(session.Transactions[2]).toMatchObject({ Enhanced: '4.7.0', Fault: expect.stringMatching(/^one-shot 'oneshot-\d+'$/), MessageID: null });

    expect((await sessionsWhere('txIndex=3&txCode=421')).total).toBe(1);
    expect((await sessionsWhere('txIndex=2&txCode=421')).total).toBe(0);
    expect((await sessionsWhere('txOutcome=deferred')).total).toBe(1);
    expect((await sessionsWhere('outcome=deferred,rejected')).total).toBe(1);
    const waited = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions/wait?txIndex=3&txCode=421&timeout=2s`)).body;
    expect(waited.sessions.map((s) => s.ID)).toEqual([session.ID]);
    const helper = await connectMailsim(sim.url);
    const found = await helper.waitForSessions({ transaction: { index: 3, code: 421 } }, { timeout: '2s' });
    expect(found.map((s) => s.ID)).toEqual([session.ID]);
    expect(await helper.sessions({ transaction: { outcome: 'rejected' } })).toEqual([]);
    await stillServes();
  });

  it('a partly refused message is delivered in its transaction and the session says a recipient was refused', async () => {
    await armFault({ when: { phase: 'rcpt', recipient: 'gone@example.org' }, action: { reply: { code: 550, enhanced: '5.1.1', text: 'No such user' } } });
    const closed = sessionsClosed(sim.harness.bus, 1);
    const result = await python(
      `
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    print(s.sendmail('app@example.com', ['ok@example.org', 'gone@example.org'], 'Subject: two\\r\\n\\r\\nhello\\r\\n'))
`,
      String(sim.smtpPort),
    );
    expect(result.stdout.trim()).toBe("{'gone@example.org': (550, b'5.1.1 No such user')}");
    await closed;
    const session = await latestSession();
    expect(session.Outcome).toBe('rejected');
    expect(session.OutcomeCode).toBe(550);
    expect(session.OutcomeDetail).toMatch(/^1 message delivered; transaction 1 \(delivered to the other recipients\): 550 5\.1\.1 No such user \(reply to rcpt TO:<gone@example\.org>\) \[one-shot 'oneshot-\d+'\]$/);
    expect(session.Transactions).toHaveLength(1);
    expect(session.Transactions[0]).toMatchObject({ Outcome: 'delivered', Code: 250, Accepted: ['ok@example.org'], Refused: [{ Address: 'gone@example.org', Code: 550, Enhanced: '5.1.1', Text: 'No such user' }] });
    expect(session.Transactions[0]!.MessageID).toBe(session.MessageIDs[0]);
    expect((await sessionsWhere('txCode=550')).total).toBe(1);
    await stillServes();
  });
});
