import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIONS } from '../server/faults/actions/index.js';
import { validateScenario } from '../server/faults/validate.js';
import { scenarioJsonSchema } from '../server/scenarios/json-schema.js';
import { parseScenario } from '../server/scenarios/parse.js';
import type { MessagesSummary, Session, SessionsList } from '../server/protocol.js';
import { sessionsClosed } from './helpers/events.js';
import { activate as activateOn, sendWithNodemailer, useScenario } from './helpers/faults.js';
import { python, run } from './helpers/processes.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

const activate = (name: string) => activateOn(sim, name);
const messages = async () => (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body;
const sessions = async () => (await getJson<SessionsList>(`${sim.url}/api/v1/sessions`)).body.sessions;
const session = async (id: string) => (await getJson<Session>(`${sim.url}/api/v1/session/${id}`)).body;

describe('lostReply', () => {
  it('stores the message and withholds the 250: a client that retries leaves the duplicate it would leave in production', async () => {
    await useScenario(sim, { name: 'lost-reply', rules: [{ name: 'lost-250', when: { phase: 'data-end' }, select: { nth: 1 }, action: { lostReply: true } }] });
    const closed = sessionsClosed(sim.harness.bus, 2);
    // An application's retry loop, as Odoo's mail queue or Postfix's deferred queue does it.
    const result = await python(
      `
import smtplib, socket, sys
for attempt in (1, 2):
    try:
        with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=1) as s:
            s.sendmail('app@example.com', ['user@example.org'], 'Subject: invoice 42\\r\\n\\r\\nhello\\r\\n')
        print('attempt', attempt, 'sent')
        break
    except (socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected) as e:
        print('attempt', attempt, 'failed', type(e).__name__, e)
`,
      String(sim.smtpPort),
    );
    // smtplib turns the read timeout into SMTPServerDisconnected.
    expect(result.stdout.trim().split('\n')).toEqual(['attempt 1 failed SMTPServerDisconnected Connection unexpectedly closed: timed out', 'attempt 2 sent']);
    await closed;
    const stored = await messages();
    expect(stored.messages.map((m) => m.Subject)).toEqual(['invoice 42', 'invoice 42']);
    const [second, first] = await sessions();
    expect(second!.Outcome).toBe('delivered');
    const lost = await session(first!.ID);
    expect(lost.Outcome).toBe('timed-out');
    expect(lost.OutcomeDetail).toBe("the server stopped answering and the client gave up [rule 'lost-250'] (after 1 message delivered)");
    expect(lost.Messages).toBe(1);
    expect(lost.Transactions).toHaveLength(1);
    expect(lost.Transactions[0]).toMatchObject({ Outcome: 'delivered', Code: 250, Fault: "rule 'lost-250'", MessageID: lost.MessageIDs[0] });
    expect(lost.Transactions[0]!.Text).toMatch(/queued as .* \(withheld: never sent to the client\)$/);
    expect(lost.Transcript.map((e) => e.Text)).toContainEqual(expect.stringMatching(/^reply withheld \[rule 'lost-250'\], never sent: 250 /));
    // Nothing after the lost reply is answered either: smtplib's QUIT on close got no 221.
    expect(lost.Transcript.filter((e) => e.Dir === 'S').at(-1)!.Text).toMatch(/^354 /);
  });

  it('then: disconnect drops the connection once the message is stored (swaks sees the connection close)', async () => {
    await useScenario(sim, { name: 'lost-reply-drop', rules: [{ name: 'lost-250', when: { phase: 'data-end' }, action: { lostReply: { then: 'disconnect' } } }] });
    const closed = sessionsClosed(sim.harness.bus, 1);
    const result = await run('swaks', ['--server', `127.0.0.1:${sim.smtpPort}`, '--from', 'a@example.com', '--to', 'b@example.org']);
    await closed;
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/Remote host closed connection unexpectedly|connection closed/i);
    expect((await messages()).total).toBe(1);
    const [only] = await sessions();
    expect(only).toMatchObject({ Outcome: 'disconnected', Messages: 1 });
    const after = await run('swaks', ['--server', `127.0.0.1:${sim.smtpPort}`, '--quit-after', 'EHLO']);
    expect(after.code).toBe(0);
  });
});

describe('firewalls', () => {
  it('firewall-timeout: swaks gives up and sends QUIT into the silence; nothing answers, the session reads timed-out', async () => {
    await activate('firewall-timeout');
    const closed = sessionsClosed(sim.harness.bus, 1);
    const result = await run('swaks', ['--server', `127.0.0.1:${sim.smtpPort}`, '--from', 'a@example.com', '--to', 'b@example.org', '--timeout', '1']);
    await closed;
    const said = result.stdout + result.stderr;
    expect(said).toMatch(/Timeout \(1 secs?\) waiting for server response/);
    expect(said).not.toMatch(/talk too soon|<[-*~]+ +\d{3}/);
    const [only] = await sessions();
    expect(only).toMatchObject({ Outcome: 'timed-out', OutcomeCode: null });
    expect(only!.OutcomeDetail).toBe("the server stopped answering and the client gave up [rule 'no-banner']");
    const full = await session(only!.ID);
    expect(full.Transcript.filter((e) => e.Dir === 'S')).toEqual([]);
  });

  it('firewall-reset: the connection is reset at once; nodemailer reports ECONNRESET, smtplib a closed connection', async () => {
    await activate('firewall-reset');
    const closed = sessionsClosed(sim.harness.bus, 2);
    const nodemailer = await sendWithNodemailer(sim.smtpPort, {});
    expect(nodemailer).toMatchObject({ ok: false, code: 'ESOCKET' });
    expect(nodemailer.message).toMatch(/ECONNRESET/);
    const py = await python(
      `
import smtplib, sys
try:
    smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=5)
except (smtplib.SMTPServerDisconnected, ConnectionResetError) as e:
    print(type(e).__name__)
`,
      String(sim.smtpPort),
    );
    expect(['SMTPServerDisconnected', 'ConnectionResetError']).toContain(py.stdout.trim());
    await closed;
    for (const s of await sessions()) {
      expect(s).toMatchObject({ Outcome: 'disconnected', OutcomeDetail: "the server dropped the connection [rule 'reset']" });
    }
  });
});

describe('the action registry', () => {
  it("flaky-network's lost reply is a lostReply (it stalled without storing, so a retry left one copy)", () => {
    const parsed = parseScenario(readFileSync('scenarios/flaky-network.yaml', 'utf8'), 'flaky-network.yaml');
    expect(parsed.ok).toBe(true);
    const rule = parsed.ok ? parsed.scenario.rules.find((r) => r.name === 'lost-reply-after-data') : undefined;
    expect(rule?.action).toEqual({ lostReply: true });
  });

  it('refuses an action in a phase it does not act in, and two terminal actions, naming the field', () => {
    const blackholeAtRcpt = validateScenario({ rules: [{ when: { phase: 'rcpt' }, action: { blackhole: true } }] });
    expect(blackholeAtRcpt).toMatchObject({ ok: false, issue: { path: ['rules', 0, 'action', 'blackhole'], message: 'blackhole only acts in data-end, not in rcpt' } });
    const two = validateScenario({ rules: [{ when: { phase: 'rcpt' }, action: { stall: true, reply: { code: 450 } } }] });
    expect(two).toMatchObject({ ok: false, issue: { message: expect.stringMatching(/^an action takes at most one of reply, stall, disconnect, blackhole, accept, lostReply/) } });
    expect(validateScenario({ rules: [{ when: { phase: 'rcpt' }, action: { tarpit: {}, reply: { code: 450 }, delay: '1s' } }] }).ok).toBe(true);
  });

  it('every registered action is in the JSON Schema editors use, with its description', () => {
    const schema = JSON.stringify(scenarioJsonSchema());
    for (const action of ACTIONS) expect(schema).toContain(JSON.stringify(action.name));
    expect(schema).toContain('then withhold the reply');
  });
});
