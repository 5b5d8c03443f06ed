import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nextEvent } from './helpers/events.js';
import { python } from './helpers/processes.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// Simulated inbound mail (issue 13 item 4) over the API: replies, RFC 3834 auto-replies and any
// message, stored as mail that arrived, fetched from their maildrops with Python's poplib.

let sim: TestSim;
let pop3: number;

beforeAll(async () => {
  sim = await startSim({ pop3: { host: '127.0.0.1', port: 0, mode: 'plain' } });
  pop3 = sim.harness.pop3.info().Port;
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

/** What an Odoo-like app sends: envelope sender = its bounce address, Reply-To = its catchall. */
async function sendOriginal(): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true });
  await transport.sendMail({
    envelope: { from: 'bounce@app.example', to: ['customer@example.org'] },
    from: 'Sales <sales@app.example>',
    to: 'Customer <customer@example.org>',
    replyTo: 'catchall@app.example',
    subject: 'Your quote S00042',
    messageId: '<quote.42@app.example>',
    references: '<thread.1@app.example>',
    text: 'Here is your quote.',
  });
  transport.close();
  return (await getJson(`${sim.url}/api/v1/message/latest`)).body.ID as string;
}

const post = (path: string, body: unknown, type = 'application/json') =>
  getJson(`${sim.url}${path}`, { method: 'POST', headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function headersOf(id: string): Promise<Record<string, string[]>> {
  return (await getJson(`${sim.url}/api/v1/message/${id}/headers`)).body;
}

async function popSubjects(user: string): Promise<string[]> {
  const result = await python(`
import poplib
p = poplib.POP3('127.0.0.1', ${pop3}, timeout=5)
p.user('${user}'); p.pass_('x')
for i in range(1, p.stat()[0] + 1):
    print([l.decode() for l in p.top(i, 0)[1] if l.startswith(b'Subject:')][0])
p.quit()`);
  expect(result.stderr).toBe('');
  return result.stdout.trim().split('\n').filter(Boolean);
}

describe('POST /api/v1/message/{ID}/reply', () => {
  it('answers to the Reply-To, threaded, as the customer; stored, tagged simulated, on the feed, in the catchall maildrop', async () => {
    const original = await sendOriginal();
    const received = nextEvent(sim.harness.bus, 'message.received', (m) => m.Subject.startsWith('Re:'));
    const { status, body } = await post(`/api/v1/message/${original}/reply`, { Text: 'Yes please, go ahead.' });
    expect(status).toBe(201);
    expect((await received).ID).toBe(body.ID);
    const { body: reply } = await getJson(`${sim.url}/api/v1/message/${body.ID}`);
    expect(reply.Subject).toBe('Re: Your quote S00042');
    expect(reply.From).toEqual({ Name: 'Customer', Address: 'customer@example.org' });
    expect(reply.To).toEqual([{ Name: '', Address: 'catchall@app.example' }]);
    expect(reply.Tags).toEqual(['simulated']);
    expect(reply.SessionID).toBeNull();
    expect(reply.Text.trim()).toBe('Yes please, go ahead.');
    const headers = await headersOf(body.ID);
    expect(headers['In-Reply-To']).toEqual(['<quote.42@app.example>']);
    expect(headers.References).toEqual(['<thread.1@app.example> <quote.42@app.example>']);
    expect(headers['X-Mailsim-Simulated']).toEqual(['reply']);
    expect(await popSubjects('catchall@app.example')).toEqual(['Subject: Re: Your quote S00042']);
  });

  it('404 for an unknown message, 400 naming the field for a bad body', async () => {
    expect((await post('/api/v1/message/nope/reply', {})).status).toBe(404);
    const original = await sendOriginal();
    const unknown = await post(`/api/v1/message/${original}/reply`, { Txt: 'typo' });
    expect(unknown).toMatchObject({ status: 400, body: { Error: expect.stringContaining('invalid body Txt: unknown field') } });
    const injected = await post(`/api/v1/message/${original}/reply`, { Subject: 'a\r\nBcc: x@evil.example' });
    expect(injected).toMatchObject({ status: 400, body: { Error: expect.stringContaining('invalid body Subject') } });
    const from = await post(`/api/v1/message/${original}/reply`, { From: 'not an address' });
    expect(from).toMatchObject({ status: 400, body: { Error: expect.stringContaining('invalid body From') } });
  });
});

describe('POST /api/v1/message/{ID}/auto-reply (RFC 3834)', () => {
  it("Outlook's out-of-office goes to the envelope sender (the bounce address) with the null reverse-path", async () => {
    const original = await sendOriginal();
    const { status, body } = await post(`/api/v1/message/${original}/auto-reply`, { Style: 'outlook' });
    expect(status).toBe(201);
    const { body: reply } = await getJson(`${sim.url}/api/v1/message/${body.ID}`);
    expect(reply.Subject).toBe('Automatic reply: Your quote S00042');
    expect(reply.To).toEqual([{ Name: '', Address: 'bounce@app.example' }]);
    expect(reply.Envelope).toEqual({ From: '', To: ['bounce@app.example'] });
    const headers = await headersOf(body.ID);
    expect(headers['Auto-Submitted']).toEqual(['auto-replied']);
    expect(headers['X-Auto-Response-Suppress']).toEqual(['All']);
    expect(headers['In-Reply-To']).toEqual(['<quote.42@app.example>']);
    expect(await popSubjects('bounce@app.example')).toEqual(['Subject: Automatic reply: Your quote S00042']);
  });

  it('refuses to answer an automatic message (§2) unless forced; the default subject is "Auto: "', async () => {
    const original = await sendOriginal();
    const first = (await post(`/api/v1/message/${original}/auto-reply`, {})).body.ID as string;
    expect((await getJson(`${sim.url}/api/v1/message/${first}`)).body.Subject).toBe('Auto: Your quote S00042');
    const refused = await post(`/api/v1/message/${first}/auto-reply`, {});
    expect(refused.status).toBe(400);
    // The auto-reply went out with <> as its sender: §4 comes first.
    expect(refused.body.Error).toContain('RFC 3834 §4');
    const forced = await post(`/api/v1/message/${first}/auto-reply`, { Force: true, Style: 'gmail', Subject: 'Away' });
    expect(forced.status).toBe(201);
    expect((await getJson(`${sim.url}/api/v1/message/${forced.body.ID}`)).body.Subject).toBe('Away: Auto: Your quote S00042');
    expect((await post(`/api/v1/message/${original}/auto-reply`, { Style: 'yahoo' })).body.Error).toContain('invalid body Style');
    const robot = (await post('/api/v1/inbound', { From: 'robot@example.org', To: 'qa@app.example', Subject: 'ping', Headers: { 'Auto-Submitted': 'auto-generated' } })).body.ID as string;
    expect((await post(`/api/v1/message/${robot}/auto-reply`, {})).body.Error).toContain('Auto-Submitted: auto-generated): RFC 3834 §2');
  });
});

describe('POST /api/v1/inbound', () => {
  it('JSON fields: From/To/Subject/Text/HTML, addressed to a mailbox', async () => {
    const { status, body } = await post('/api/v1/inbound', { From: 'Customer <customer@example.org>', To: 'catchall@app.example', Subject: 'A question', Text: 'Hi', HTML: '<p>Hi</p>', Headers: { 'X-Ticket': '7' } });
    expect(status).toBe(201);
    const { body: message } = await getJson(`${sim.url}/api/v1/message/${body.ID}`);
    expect(message).toMatchObject({ Subject: 'A question', Text: expect.stringContaining('Hi'), HTML: '<p>Hi</p>', Tags: ['simulated'], Envelope: { From: 'customer@example.org', To: ['catchall@app.example'] } });
    expect((await headersOf(body.ID))['X-Ticket']).toEqual(['7']);
    expect(await popSubjects('catchall@app.example')).toEqual(['Subject: A question']);
  });

  it('raw RFC 5322 text as message/rfc822, with ?mailbox= naming the maildrop', async () => {
    const raw = 'From: vendor@example.net\r\nTo: someone@example.net\r\nSubject: Raw one\r\nMessage-ID: <raw.1@example.net>\r\n\r\nRaw body\r\n';
    const { status, body } = await post('/api/v1/inbound?mailbox=catchall@app.example', raw, 'message/rfc822');
    expect(status).toBe(201);
    const source = await (await fetch(`${sim.url}/api/v1/message/${body.ID}/raw`)).text();
    expect(source).toBe(`X-Mailsim-Simulated: inbound\r\n${raw}`);
    expect(await popSubjects('catchall@app.example')).toEqual(['Subject: Raw one']);
    expect(await popSubjects('someone@example.net')).toEqual([]);
  });

  it('400s name the field', async () => {
    expect((await post('/api/v1/inbound', { To: 'a@example.org' })).body.Error).toContain('invalid body From');
    expect((await post('/api/v1/inbound', { From: 'a@example.org' })).body.Error).toContain('invalid body To');
    expect((await post('/api/v1/inbound', { From: 'a@example.org', To: ['ok@example.org', 'nope'] })).body.Error).toContain('invalid body To.1');
    expect((await post('/api/v1/inbound', { From: 'a@example.org', To: 'b@example.org', Headers: { 'Bad:Name': 'x' } })).body.Error).toContain('invalid body Headers');
    expect((await post('/api/v1/inbound', 'Subject: no recipients\r\n\r\nx', 'message/rfc822')).body.Error).toContain('no To or Cc');
    expect((await getJson(`${sim.url}/api/v1/messages`)).body.total).toBe(0);
  });

  it('binary garbage as a raw message: refused without a mailbox, stored and served with one; the server goes on', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256));
    const bare = await fetch(`${sim.url}/api/v1/inbound`, { method: 'POST', headers: { 'Content-Type': 'message/rfc822' }, body: garbage });
    expect(bare.status).toBe(400);
    const kept = await fetch(`${sim.url}/api/v1/inbound?mailbox=qa@app.example`, { method: 'POST', headers: { 'Content-Type': 'message/rfc822' }, body: garbage });
    expect(kept.status).toBe(201);
    const { ID } = (await kept.json()) as { ID: string };
    const raw = Buffer.from(await (await fetch(`${sim.url}/api/v1/message/${ID}/raw`)).arrayBuffer());
    expect(raw.subarray(-garbage.length).equals(garbage)).toBe(true);
    const result = await python(`
import poplib
p = poplib.POP3('127.0.0.1', ${pop3}, timeout=5)
p.user('qa@app.example'); p.pass_('x')
print(p.stat()[0], len(p.uidl()[1])); p.quit()`);
    expect(result.stdout.trim()).toBe('1 1');
    expect((await post('/api/v1/inbound', { From: 'a@example.org', To: 'b@example.org', Subject: 'after' })).status).toBe(201);
  });
});
