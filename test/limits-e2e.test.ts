import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CounterInfo, MessagesSummary, Session, SessionsList } from '../server/protocol.js';
import { activate, smtplib, useScenario } from './helpers/faults.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// The scenario clock stands still, so a 1-second rate window cannot roll over on a slow machine.
const frozen = { now: () => Date.UTC(2026, 10, 21, 12) };

let sim: TestSim;
beforeAll(async () => {
  sim = await startSim({}, frozen);
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

interface Outcome {
  ok: boolean;
  responseCode?: number;
  response?: string;
}

/** Sends `count` messages at once through one nodemailer pool of `connections` connections (how Odoo-like apps and queues send). */
async function sendPooled(count: number, connections: number, to: (i: number) => string | string[] = () => 'user@example.org'): Promise<Outcome[]> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: connections, maxMessages: Infinity });
  try {
    return await Promise.all(
      Array.from({ length: count }, (_, i) =>
        transport.sendMail({ from: 'app@example.com', to: to(i), subject: `message ${i}`, text: 'hello' }).then(
          (info): Outcome => ({ ok: true, response: info.response }),
          (error: { responseCode?: number; response?: string }): Outcome => ({ ok: false, responseCode: error.responseCode, response: error.response }),
        ),
      ),
    );
  } finally {
    transport.close();
  }
}

const stored = async () => (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.total;
const counters = async (scenario: string) => (await getJson<{ counters: CounterInfo[] }>(`${sim.url}/api/v1/counters`)).body.counters.filter((c) => c.Scenario === scenario);

describe('a limit never overshoots under a pooled client (issue 11 item 1)', () => {
  it('a nodemailer pool of 5 sends 51 messages against a limit of 50: exactly 50 are accepted and stored, the 51st gets the reply', async () => {
    await useScenario(sim, {
      name: 'daily-50',
      limits: [{ name: 'daily', kind: 'messages', key: 'global', max: 50, window: { fixed: '1d' }, reply: { code: 554, enhanced: '5.7.1', text: 'Daily email limit reached' } }],
    });
    const outcomes = await sendPooled(51, 5);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(50);
    expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, responseCode: 554, response: '554 5.7.1 Daily email limit reached' }]);
    expect(await stored()).toBe(50);
    expect(await counters('daily-50')).toMatchObject([{ Limit: 'daily', Count: 50, Max: 50 }]);
  });

  it("SES's 1-per-second rate lets exactly one of 5 simultaneous messages through; count: recipients counts each recipient", async () => {
    await useScenario(sim, {
      name: 'ses-rate',
      limits: [
        { name: 'rate', kind: 'messages', key: 'global', max: 1, window: { rolling: '1s' }, reply: { code: 454, text: 'Throttling failure: Maximum sending rate exceeded.' } },
      ],
    });
    const rate = await sendPooled(5, 5);
    expect(rate.filter((o) => o.ok)).toHaveLength(1);
    expect(new Set(rate.filter((o) => !o.ok).map((o) => o.response))).toEqual(new Set(['454 Throttling failure: Maximum sending rate exceeded.']));

    await useScenario(sim, {
      name: 'ses-quota',
      limits: [{ name: 'quota', kind: 'messages', key: 'global', count: 'recipients', max: 10, window: { rolling: '24h' }, reply: { code: 454, text: 'Throttling failure: Daily message quota exceeded.' } }],
    });
    const quota = await sendPooled(6, 3, (i) => [`a${i}@example.org`, `b${i}@example.org`]);
    expect(quota.filter((o) => o.ok)).toHaveLength(5);
    expect(await counters('ses-quota')).toMatchObject([{ Limit: 'quota', Count: 10, Max: 10 }]);
  });
});

describe('a limit whose key is missing falls back to a documented key (issue 11 item 2)', () => {
  it('odoo-daily-limit counts messages sent without AUTH on the whole server: 200 accepted, the 201st refused, the transcript says which count', async () => {
    await activate(sim, 'odoo-daily-limit');
    const outcomes = await sendPooled(201, 5);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(200);
    expect(outcomes.filter((o) => !o.ok).map((o) => o.response)).toEqual([
      '554 5.7.1 Daily email limit reached (200 emails per day); it resets at 23:00 UTC [mailsim: text not verified]',
    ]);
    // Python smtplib, also without AUTH, on another connection: the same server-wide count.
    expect(await smtplib(sim.smtpPort, "s.sendmail('odoo@example.com', ['a@example.org'], 'Subject: x\\r\\n\\r\\nbody')")).toMatch(/^raised SMTPDataError 554 5\.7\.1 Daily email limit reached/);
    const { sessions } = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions?limit=50`)).body;
    const delivered = sessions.find((s) => s.Outcome === 'delivered');
    const transcript = (await getJson<Session>(`${sim.url}/api/v1/session/${delivered!.ID}`)).body.Transcript.map((t) => t.Text);
    expect(transcript).toEqual(
      expect.arrayContaining([expect.stringMatching(/^limit 'subscription-daily-limit' counted the message overall \(no AUTH user: key user falls back to global\): \d+ of 200$/)]),
    );
    expect(await counters('odoo-daily-limit')).toMatchObject([{ Limit: 'subscription-daily-limit', Key: '*', Count: 200, Max: 200 }]);
    // The refused session carries the limit's own explanation (what the UI shows), not a reading of 554 5.7.1.
    const refused = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions?outcome=rejected`)).body.sessions[0]!;
    const notes = (await getJson<Session>(`${sim.url}/api/v1/session/${refused.ID}`)).body.Transcript.map((t) => t.Text);
    expect(notes).toContain(
      'explanation: The Odoo database has sent its daily email allowance (200 emails a day on a subscription); Odoo refuses further mail until 23:00 UTC. | advice: Every email leaving the database counts, notifications included. Wait for the reset and Retry, ask Odoo support to raise the limit, or send through an external SMTP server. | source: https://github.com/odoo/documentation/blob/17.0/content/applications/general/email_communication/faq.rst (the limit; the SMTP reply text is invented)',
    );
  });
});

describe('greylisting as postgrey does it', () => {
  const odooMail = (n: number) =>
    `s.sendmail('bounce+${n}-mail.mail-${n}@odoo.example.com', ['customer@example.org'], 'From: shop@odoo.example.com\\r\\nSubject: Invoice ${n}\\r\\n\\r\\nbody')`;

  it("Odoo's per-message bounce senders: deferred once, the next message after the delay passes with an X-Greylist header on top", async () => {
    await activate(sim, 'greylisting');
    expect(await smtplib(sim.smtpPort, odooMail(1))).toBe(
      "raised SMTPRecipientsRefused {'customer@example.org': (450, b'4.2.0 <customer@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html')}",
    );
    const advanced = await getJson(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '6m' }) });
    expect(advanced.status).toBe(200);
    // A different bounce+N address: postgrey's normalised sender makes it the same triple.
    expect(await smtplib(sim.smtpPort, `print(${odooMail(2)})`)).toBe('{}');
    const { messages } = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body;
    expect(messages).toHaveLength(1);
    const raw = await (await fetch(`${sim.url}/api/v1/message/${messages[0]!.ID}/raw`)).text();
    // Under the Return-Path and Received every stored message gets (test/trace-headers.test.ts).
    expect(raw.split('\r\n').slice(0, 3)).toEqual([
      expect.stringMatching(/^Return-Path: </),
      expect.stringMatching(/^Received: from .* by mail\.example\.org \(mailsim\) with /),
      'X-Greylist: delayed 360 seconds by postgrey-1.37 at mail.example.org; Sat, 21 Nov 2026 12:06:00 +0000',
    ]);
    expect(await smtplib(sim.smtpPort, `print(${odooMail(3)})`)).toBe('{}');
    const again = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.messages;
    const second = await (await fetch(`${sim.url}/api/v1/message/${again[0]!.ID}/raw`)).text();
    expect(second).not.toContain('X-Greylist');
  });
});
