import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER_LIMITS, headerMap, readHeaders } from '../server/util/headers.js';
import { sendWithNodemailer, smtplib } from './helpers/faults.js';
import { withLoopWatch } from './helpers/loop-block.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

/**
 * Issue 9, item 5: the fault context split the From header with a quadratic lookahead regex, so
 * an 80,000-comma From blocked the server for 10 s whenever a rule read From, and any client
 * could pick such a rule: the built-in sendgrid scenario, by `+scenario-sendgrid` in MAIL FROM.
 */
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());

/** AUTH on the default scenario (any credentials), then MAIL FROM switches the session to sendgrid. */
const asSendgrid = { envelope: { from: 'app+scenario-sendgrid@verified.example', to: ['user@example.org'] } };
const sendgridAuth = { auth: { user: 'apikey', pass: 'SG.key.secret' } };

async function anotherClientIsServed(): Promise<void> {
  expect(await smtplib(sim.smtpPort, "print(s.sendmail('a@example.com', ['b@example.org'], 'Subject: bystander\\r\\n\\r\\nhi')) ")).toBe('{}');
  expect((await getJson(`${sim.url}/api/v1/messages`)).status).toBe(200);
}

describe('hostile headers where a rule reads them', () => {
  it('an 80,000-comma From against +scenario-sendgrid is answered, and another client is served', async () => {
    const raw = `From: someone@unverified.example${','.repeat(80_000)}\r\nTo: user@example.org\r\nSubject: commas\r\n\r\nhi\r\n`;
    const { result: [hostile], worstBlockMs } = await withLoopWatch(() => Promise.all([sendWithNodemailer(sim.smtpPort, { ...asSendgrid, raw }, sendgridAuth), anotherClientIsServed()]));
    // The quadratic split blocked for 10 s: within the test's timeout, so the block is measured.
    expect(worstBlockMs).toBeLessThan(1000);
    // The rule did read the From header: its one address is not a verified Sender Identity.
    expect(hostile).toMatchObject({ ok: false, responseCode: 550, response: expect.stringContaining('verified Sender Identity') });
    const verified = `From: Someone <someone@verified.example>${','.repeat(80_000)}\r\nTo: user@example.org\r\nSubject: commas\r\n\r\nhi\r\n`;
    expect(await sendWithNodemailer(sim.smtpPort, { ...asSendgrid, raw: verified }, sendgridAuth)).toMatchObject({ ok: true });
    await anotherClientIsServed();
  });

  it('a header named __proto__ is just a header', async () => {
    const raw = `__proto__: polluted\r\nFrom: someone@verified.example\r\nTo: user@example.org\r\nSubject: proto\r\n\r\nhi\r\n`;
    const [hostile] = await Promise.all([sendWithNodemailer(sim.smtpPort, { ...asSendgrid, raw }, sendgridAuth), anotherClientIsServed()]);
    expect(hostile).toMatchObject({ ok: true });
    expect(Object.entries(headerMap(Buffer.from(raw)))).toEqual([['__proto__', ['polluted']], ['From', ['someone@verified.example']], ['To', ['user@example.org']], ['Subject', ['proto']]]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('header maps are bounded', () => {
  it('reads at most HEADER_LIMITS.fields fields and says it stopped', () => {
    const raw = Buffer.from(`${'X-Line: x\r\n'.repeat(100_000)}Subject: late\r\n\r\nbody`);
    const { headers, truncated } = readHeaders(raw);
    expect(truncated).toBe(true);
    expect(headers['X-Line']).toHaveLength(HEADER_LIMITS.fields);
    expect(headers.Subject).toBeUndefined();
  });

  it('reads at most HEADER_LIMITS.bytes, without a half-read field at the cut', () => {
    const raw = Buffer.from(`Subject: first\r\nX-Big: ${'y'.repeat(HEADER_LIMITS.bytes)}\r\nTo: late@x\r\n\r\nbody`);
    expect(readHeaders(raw)).toEqual({ headers: { Subject: ['first'] }, truncated: true });
    expect(readHeaders(Buffer.from('Subject: s\r\n\r\nbody'))).toEqual({ headers: { Subject: ['s'] }, truncated: false });
    const noBlankLine = Buffer.from(`Subject: s\r\n${'z'.repeat(HEADER_LIMITS.bytes)}`);
    expect(readHeaders(noBlankLine).truncated).toBe(true);
  });
});
