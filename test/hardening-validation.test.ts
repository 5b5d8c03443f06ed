import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateCommand } from '../server/cli/commands.js';
import type { ClockInfo, OneShotFaultInfo, ScenariosList } from '../server/protocol.js';
import { activate, sendWithNodemailer, smtplib, useScenario } from './helpers/faults.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

/**
 * Issue 9, item 2: an inline scenario that only the file loader's extra checks would have
 * refused (a regex that does not compile, an unknown time zone, a zero-length window) was
 * answered 200, listed valid, and crashed the process on the next SMTP connection. Every way in
 * (files, inline uploads, one-shot faults, chaos, the clock) now goes through one validation.
 */
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

const put = (body: unknown) => getJson<{ Error: string }>(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify(body) });
const listed = async (name: string) => (await getJson<ScenariosList>(`${sim.url}/api/v1/scenarios`)).body.scenarios.find((s) => s.Name === name);

async function stillServing(): Promise<void> {
  expect(await sendWithNodemailer(sim.smtpPort, { subject: 'after' })).toMatchObject({ ok: true, response: expect.stringMatching(/^250 /) });
  expect(await smtplib(sim.smtpPort, "print(s.noop()[0])")).toBe('250');
}

const BAD: [string, Record<string, unknown>, string][] = [
  [
    'a regex that does not compile',
    { rules: [{ when: { phase: 'mail', sender: { regex: '(' } }, action: { reply: { code: 550 } } }] },
    'Scenario.rules.0.when.sender.regex: not a valid RE2 regex: missing closing ): `(` (mailsim matches regexes in linear time with RE2 syntax)',
  ],
  [
    'an unknown time zone',
    { rules: [{ when: { phase: 'mail' }, select: { window: { from: '09:00', to: '17:00', timeZone: 'Mars/Olympus' } }, action: { reply: { code: 451 } } }] },
    'Scenario.rules.0.select.window.timeZone: unknown time zone "Mars/Olympus"',
  ],
  [
    'a zero-length window',
    { limits: [{ name: 'quota', kind: 'messages', max: 1, window: { fixed: 0 }, reply: { code: 550 } }] },
    'Scenario.limits.0.window.fixed: must be longer than zero',
  ],
  [
    'a backreference',
    { rules: [{ when: { phase: 'rcpt', recipient: [{ regex: 'ok' }, { not: { regex: '(a)\\1' } }] }, action: { reply: { code: 550 } } }] },
    'Scenario.rules.0.when.recipient.1.not.regex: backreferences are not supported (mailsim matches regexes in linear time with RE2 syntax)',
  ],
];

describe('an inline scenario gets the validation a file gets', () => {
  it.each(BAD)('%s: 400 naming the field, never listed, the next connection is served', async (_what, definition, error) => {
    const name = `bad-${BAD.findIndex(([, d]) => d === definition)}`;
    expect(await put({ Scenario: { name, ...definition } })).toEqual({ status: 400, body: { Code: 'BAD_REQUEST', Error: error } });
    expect(await listed(name)).toBeUndefined();
    await stillServing();
  });

  it('mailsim validate reports the same field and message for the same content', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-validate-'));
    for (const [index, [, definition, error]] of BAD.entries()) {
      const file = join(dir, `bad-${index}.json`);
      writeFileSync(file, JSON.stringify(definition));
      const lines: string[] = [];
      expect(validateCommand([file], (line) => lines.push(line))).toBe(1);
      expect(lines[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+: `));
      expect(lines[0]!.replace(/^[^:]+:\d+:\d+: /, 'Scenario.')).toBe(error);
    }
  });

  it('a bad upload under the name of a running inline scenario keeps the last good one running', async () => {
    await useScenario(sim, { name: 'mine', rules: [{ when: { phase: 'rcpt', recipient: '*@bounce.example' }, action: { reply: { code: 550, text: 'gone' } } }] });
    const broken = await put({ Scenario: { name: 'mine', rules: [{ when: { phase: 'rcpt', recipient: { regex: '[' } }, action: { reply: { code: 451 } } }] } });
    expect(broken.status).toBe(400);
    expect(broken.body.Error).toMatch(/^Scenario\.rules\.0\.when\.recipient\.regex: not a valid RE2 regex: missing closing \]/);
    expect(await listed('mine')).toMatchObject({ Valid: true, Error: null });
    const list = (await getJson<ScenariosList>(`${sim.url}/api/v1/scenarios`)).body;
    expect(list.listeners[0]!.Scenario).toBe('mine');
    expect(await sendWithNodemailer(sim.smtpPort, { to: 'x@bounce.example' })).toMatchObject({ ok: false, responseCode: 550 });
    await stillServing();
  });
});

describe('one-shot faults, chaos and the clock', () => {
  it('a one-shot fault with a bad regex is a 400 naming the field, not a 500', async () => {
    const response = await getJson<{ Error: string }>(`${sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'mail', sender: { regex: '(' } }, action: { reply: { code: 451 } } }),
    });
    expect(response).toEqual({ status: 400, body: { Code: 'BAD_REQUEST', Error: 'body.when.sender.regex: not a valid RE2 regex: missing closing ): `(` (mailsim matches regexes in linear time with RE2 syntax)' } });
    expect((await getJson<{ faults: OneShotFaultInfo[] }>(`${sim.url}/api/v1/faults`)).body.faults).toEqual([]);
    const lookaround = await getJson<{ Error: string }>(`${sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'rcpt', recipient: { regex: 'a(?=b)' } }, action: { reply: { code: 451 } } }),
    });
    expect(lookaround.body.Error).toBe('body.when.recipient.regex: lookahead and lookbehind are not supported (mailsim matches regexes in linear time with RE2 syntax)');
    await stillServing();
  });

  it('a chaos trigger out of range is a 400 naming the field, and chaos stays as it was', async () => {
    const response = await getJson<{ Error: string }>(`${sim.url}/api/v1/chaos`, { method: 'PUT', body: JSON.stringify({ Sender: { ErrorCode: 999, Probability: 100 } }) });
    expect(response.status).toBe(400);
    expect(response.body.Error).toMatch(/^body\.Sender\.ErrorCode: /);
    expect((await getJson(`${sim.url}/api/v1/chaos`)).body).toMatchObject({ Sender: { Probability: 0 } });
    await stillServing();
  });

  it('advancing the clock by 1e20 weeks is a 400 and the clock is untouched', async () => {
    const before = (await getJson<ClockInfo>(`${sim.url}/api/v1/clock`)).body;
    const clock = (body: unknown) => getJson<{ Error: string }>(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify(body) });
    const huge = await clock({ advance: '100000000000000000000w' });
    expect(huge).toEqual({ status: 400, body: { Code: 'BAD_REQUEST', Error: 'invalid body advance: a duration such as 90s, 24h or 1h30m (below 2^53 milliseconds)' } });
    // A safe integer of milliseconds, but past the last instant a Date can hold.
    const pastDates = await clock({ advance: '14300000w' });
    expect(pastDates.status).toBe(400);
    expect(pastDates.body.Error).toMatch(/^invalid body advance: .*past what a date can represent/);
    const after = await getJson<ClockInfo>(`${sim.url}/api/v1/clock`);
    expect(after.status).toBe(200);
    expect(after.body.OffsetMs).toBe(before.OffsetMs);
    expect(Date.parse(after.body.Now)).toBeGreaterThanOrEqual(Date.parse(before.Now));
    await stillServing();
  });

  it('the clock moved to the far end of its range still serves, answers and reports', async () => {
    await activate(sim, 'greylisting');
    const moved = await getJson<ClockInfo>(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '14200000w' }) });
    expect(moved.status).toBe(200);
    expect(await sendWithNodemailer(sim.smtpPort, {})).toMatchObject({ ok: false, responseCode: 450 });
    expect((await getJson(`${sim.url}/api/v1/counters`)).status).toBe(200);
    await activate(sim, 'default');
    await stillServing();
  });
});

describe('waits longer than any client would wait (item 7, the validation side)', () => {
  const WHY = '(real clients give up after minutes, RFC 5321 §4.5.3.2; use stall for a server that never answers)';

  it('delay: 30d is refused in a scenario and in a one-shot fault, and the server keeps serving', async () => {
    const scenario = await put({ Scenario: { name: 'forever', rules: [{ when: { phase: 'mail' }, action: { delay: '30d' } }] } });
    expect(scenario).toEqual({ status: 400, body: { Code: 'BAD_REQUEST', Error: `Scenario.rules.0.action.delay: 30d is longer than the maximum of 1d ${WHY}` } });
    const fault = await getJson<{ Error: string }>(`${sim.url}/api/v1/faults`, { method: 'POST', body: JSON.stringify({ when: { phase: 'rcpt' }, action: { delay: 2_592_000_000 } }) });
    expect(fault).toEqual({ status: 400, body: { Code: 'BAD_REQUEST', Error: `body.action.delay: 30d is longer than the maximum of 1d ${WHY}` } });
    const auth = await put({ Scenario: { name: 'slow-auth', persona: { auth: { failureDelay: '25d' } } } });
    expect(auth.body.Error).toBe(`Scenario.persona.auth.failureDelay: 25d is longer than the maximum of 1d ${WHY}`);
    const tarpit = await put({ Scenario: { name: 'drip', rules: [{ when: { phase: 'helo' }, action: { tarpit: { bytesPerSecond: 1e-9 } } }] } });
    expect(tarpit.status).toBe(400);
    expect(tarpit.body.Error).toMatch(/^Scenario\.rules\.0\.action\.tarpit\.bytesPerSecond: /);
    expect(await listed('forever')).toBeUndefined();
    await stillServing();
  });

  it('scenario-clock spans are bounded too, and a day of delay is still allowed', async () => {
    const window = await put({ Scenario: { name: 'eons', limits: [{ name: 'q', kind: 'messages', max: 1, window: { rolling: '99999999d' }, reply: { code: 550 } }] } });
    expect(window.body.Error).toBe('Scenario.limits.0.window.rolling: 99999999d is longer than the maximum of 3650d (ten years of scenario-clock time)');
    const forget = await put({ Scenario: { name: 'eons', limits: [{ name: 'g', kind: 'greylist', reply: { code: 450 }, forget: '1000000w' }] } });
    expect(forget.body.Error).toMatch(/^Scenario\.limits\.0\.forget: 7000000d is longer than the maximum of 3650d/);
    expect((await put({ Scenario: { name: 'a-day', rules: [{ when: { phase: 'quit' }, action: { delay: '1d' } }] } })).status).toBe(200);
    await stillServing();
  });
});
