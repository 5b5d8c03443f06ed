import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../server/events/bus.js';
import type { ScenarioInput } from '../server/faults/schema.js';
import type { Session } from '../server/protocol.js';
import { parseScenario } from '../server/scenarios/parse.js';
import { nextEvent } from './helpers/events.js';
import { sendWithNodemailer, smtplib, useScenario } from './helpers/faults.js';
import { builtIn, nodemailerTls } from './helpers/providers.js';
import { FROZEN, useFrozenSim } from './helpers/frozen-sim.js';
import { getJson, type TestSim } from './helpers/sim.js';

// A limit whose overrun is accepted and bounced (issue 13 item 1, "limit outcome"): the client
// gets 250, and the DSN comes to the envelope sender when the scenario clock is advanced.

let sim: TestSim;
const { advance, messages, raw } = useFrozenSim((s) => (sim = s));

const parsedRaw = async (id: string) => {
  const bytes = await raw(id);
  // Header-style fields unfolded (RFC 5322 §2.2.3), as a DSN reader sees them.
  return { mail: await simpleParser(bytes), text: bytes.toString().replace(/\r\n[ \t]+/g, ' ') };
};
const transcript = async (sessionId: string) => (await getJson<Session>(`${sim.url}/api/v1/session/${sessionId}`)).body.Transcript.map((t) => t.Text).join('\n');
const event = (predicate: (e: DeliveryEvent) => boolean) => nextEvent(sim.harness.bus, 'delivery.event', predicate, 4_000);
const limits = (list: NonNullable<ScenarioInput['limits']>) => useScenario(sim, { name: 'over-bounce', limits: list });

describe('a limit with over: bounce', () => {
  it('a messages limit: the message past max gets 250, is not counted, and its DSN quoting the limit reply reaches the envelope sender when the clock advances', async () => {
    await limits([{ name: 'daily', kind: 'messages', max: 1, window: { fixed: '1d' }, reply: { code: 550, enhanced: '5.4.5', text: 'Daily user sending limit exceeded {id}' }, over: 'bounce' }]);
    const send = (subject: string) => sendWithNodemailer(sim.smtpPort, { envelope: { from: 'bounces@app.example', to: ['r@example.org'] }, subject });
    expect(await send('first')).toMatchObject({ ok: true });
    const second = await send('second');
    expect(second).toMatchObject({ ok: true, response: expect.stringMatching(/^250 /) });
    expect(await messages()).toHaveLength(2);
    const over = (await messages()).find((m) => m.Subject === 'second')!;
    const text = await transcript(over.SessionID!);
    expect(text).toMatch(/limit 'daily': 2nd message .*; over the limit: accepted with 250, a failed bounce planned in 30s of scenario-clock time \(over: bounce\)/);
    expect(text).toContain('bounce planned for r@example.org: failed in 30000 ms');
    expect(text).toContain("limit 'daily' did not count the message: it was over the limit, accepted and bounced");
    const counters = (await getJson<{ counters: Array<{ Limit: string; Count: number }> }>(`${sim.url}/api/v1/counters`)).body.counters;
    expect(counters.find((c) => c.Limit === 'daily')).toMatchObject({ Count: 1 });
    const bounced = event((e) => e.kind === 'bounced');
    await advance('30s');
    const report = await bounced;
    expect(report).toMatchObject({ messageId: over.ID, recipient: 'r@example.org', status: '5.4.5', reply: `550 5.4.5 Daily user sending limit exceeded ${over.SessionID}`, at: FROZEN + 30_000 });
    const dsn = (await messages()).find((m) => m.ID === report.bounceId)!;
    expect(dsn.Envelope).toEqual({ From: '', To: ['bounces@app.example'] });
    const { mail, text: raw } = await parsedRaw(dsn.ID);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(raw).toMatch(/Final-Recipient: rfc822; r@example\.org\r\nAction: failed\r\nStatus: 5\.4\.5/);
    expect(raw).toContain(`Diagnostic-Code: smtp; 550 5.4.5 Daily user sending limit exceeded ${over.SessionID}`);
    // The first message, within the limit, is delivered and never bounced.
    expect((await messages()).filter((m) => m.Subject === 'first')).toHaveLength(1);
  });

  it('a recipients limit with a 4xx reply: only the recipient past max is accepted and gets a delay report (kind from the reply code), smtplib', async () => {
    await limits([{ name: 'per-message', kind: 'recipients', max: 1, reply: { code: 452, enhanced: '4.5.3', text: 'Too many recipients' }, over: { bounce: { after: '10m' } } }]);
    const out = await smtplib(sim.smtpPort, "s.ehlo(); print(s.sendmail('app@example.com', ['a@example.org', 'b@example.org'], 'Subject: two\\r\\n\\r\\nx'))");
    expect(out).toBe('{}');
    const delayed = event((e) => e.kind === 'deferred');
    await advance('10m');
    const report = await delayed;
    expect(report).toMatchObject({ recipient: 'b@example.org', status: '4.5.3', reply: '452 4.5.3 Too many recipients' });
    const { text } = await parsedRaw(report.bounceId!);
    expect(text).toMatch(/Final-Recipient: rfc822; b@example\.org\r\nAction: delayed\r\nStatus: 4\.5\.3/);
    expect(text).not.toContain('Final-Recipient: rfc822; a@example.org');
  });

  it('office365: over the tenant external recipient rate limit, nodemailer gets 250 and Microsoft\'s NDR 5.7.232 comes 30 s later', async () => {
    const scenario = builtIn('office365', 'office365-terrl');
    scenario.limits = scenario.limits!.map((l) => (l.name === 'tenant-external-recipient-rate' ? { ...l, max: 1 } : l));
    await useScenario(sim, scenario);
    const auth = { user: 'me@contoso.com', pass: 'secret' };
    const send = () => sendWithNodemailer(sim.smtpPort, { from: 'me@contoso.com', to: 'customer@example.org' }, { ...nodemailerTls(), auth });
    expect(await send()).toMatchObject({ ok: true });
    expect(await send()).toMatchObject({ ok: true, response: expect.stringMatching(/^250 /) });
    const bounced = event((e) => e.kind === 'bounced');
    await advance('30s');
    const report = await bounced;
    expect(report).toMatchObject({ recipient: 'customer@example.org', status: '5.7.232', envelopeFrom: 'me@contoso.com' });
    const { mail, text } = await parsedRaw(report.bounceId!);
    expect(mail.to).toMatchObject({ value: [{ address: 'me@contoso.com' }] });
    expect(mail.from?.value[0]?.address?.toLowerCase()).toMatch(/postmaster@/);
    expect(text).toContain('Status: 5.7.232');
    expect(text).toContain("tenant external recipient rate limit");
  });
});

describe('over: validation', () => {
  it('refuses over: bounce at a phase without recipients to bounce, naming file, line and field', () => {
    const text = 'limits:\n  - name: q\n    kind: messages\n    max: 1\n    window: { fixed: 1d }\n    phase: data-start\n    over: bounce\n    reply: { code: 550 }\n';
    expect(parseScenario(text, 'my.yaml')).toMatchObject({ ok: false, error: { File: 'my.yaml', Line: 7, Field: 'limits.0.over', Message: expect.stringContaining('needs phase rcpt or data-end') } });
  });

  it('refuses an unknown outcome and a bounce setting that is not one', () => {
    const base = 'limits:\n  - name: q\n    kind: recipients\n    max: 1\n    reply: { code: 452 }\n';
    expect(parseScenario(`${base}    over: defer\n`, 'a.yaml')).toMatchObject({ ok: false, error: { Line: 6, Field: 'limits.0.over' } });
    expect(parseScenario(`${base}    over: { bounce: { aftr: 1m } }\n`, 'b.yaml')).toMatchObject({ ok: false, error: { Line: 6, Field: 'limits.0.over.bounce.aftr', Message: 'unknown field "aftr"' } });
    expect(parseScenario(`${base}    over: { bounce: { kind: failed, then: { after: 1h } } }\n`, 'c.yaml')).toMatchObject({ ok: false, error: { Field: 'limits.0.over.bounce.then' } });
  });
});
