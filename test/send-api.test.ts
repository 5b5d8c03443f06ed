import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// POST /api/v1/send (Mailpit's JSON send API), through mailsim's own SMTP listener: the
// scenario and its faults apply, and the session shows up like any client's.
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function send(body: unknown) {
  return getJson<{ ID?: string; Error?: string }>(`${sim.url}/api/v1/send`, { method: 'POST', body: JSON.stringify(body) });
}

describe('POST /api/v1/send', () => {
  it('stores the message with its fields, attachments (inline by ContentID), headers and tags', async () => {
    const { status, body } = await send({
      From: { Email: 'app@example.com', Name: 'App' },
      To: [{ Email: 'ann@example.org', Name: 'Ann' }],
      Cc: [{ Email: 'cc@example.org' }],
      Bcc: ['hidden@example.org'],
      ReplyTo: [{ Email: 'help@example.com' }],
      Subject: 'Welcome',
      Text: 'plain body',
      HTML: '<p>html <img src="cid:logo"></p>',
      Attachments: [
        { Content: PNG.toString('base64'), Filename: 'logo.png', ContentID: 'logo' },
        { Content: `data:text/plain;base64,${Buffer.from('report').toString('base64')}`, Filename: 'report.txt', ContentType: 'text/plain' },
      ],
      Headers: { 'X-Campaign': 'spring' },
      Tags: ['api', 'welcome'],
    });
    expect(status).toBe(200);
    const message = (await getJson(`${sim.url}/api/v1/message/${body.ID}`)).body;
    expect(message).toMatchObject({
      Subject: 'Welcome',
      From: { Address: 'app@example.com', Name: 'App' },
      To: [{ Address: 'ann@example.org', Name: 'Ann' }],
      Cc: [{ Address: 'cc@example.org' }],
      Bcc: [{ Address: 'hidden@example.org' }],
      ReplyTo: [{ Address: 'help@example.com' }],
      Tags: ['api', 'welcome'],
      Text: 'plain body',
      ReturnPath: 'app@example.com',
    });
    expect(message.Inline.map((p: { FileName: string }) => p.FileName)).toEqual(['logo.png']);
    expect(message.Attachments.map((p: { FileName: string; ContentType: string }) => [p.FileName, p.ContentType])).toEqual([['report.txt', 'text/plain']]);
    const part = await fetch(`${sim.url}/api/v1/message/${body.ID}/part/${message.Inline[0].PartID}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(PNG);
    expect((await getJson(`${sim.url}/api/v1/message/${body.ID}/headers`)).body['X-Campaign']).toEqual(['spring']);
    // Through SMTP: a session with the API's EHLO name, every recipient in the envelope.
    const session = (await getJson(`${sim.url}/api/v1/session/latest`)).body;
    expect(session).toMatchObject({ Helo: 'mailsim-send-api', MessageIDs: [body.ID] });
    expect(session.Transactions[0].Accepted).toEqual(['ann@example.org', 'cc@example.org', 'hidden@example.org']);
  });

  it('reads keys as Go does (any case, at every depth); null is an absent field', async () => {
    const { status, body } = await send({ from: { email: 'a@example.com' }, TO: [{ eMail: 'b@example.org', name: null }], subject: 'lower', text: 'x', unknown: 1 });
    expect(status).toBe(200);
    expect((await getJson(`${sim.url}/api/v1/message/${body.ID}`)).body).toMatchObject({ Subject: 'lower', To: [{ Address: 'b@example.org' }] });
  });

  it('answers 400 naming the problem: bad address, no recipients, restricted header, bad base64, not an object', async () => {
    expect((await send({ From: { Email: 'nope' }, To: [{ Email: 'b@example.org' }] })).body.Error).toMatch(/From\.Email/);
    expect((await send({ From: { Email: 'a@example.com' } })).body.Error).toMatch(/no recipients/);
    expect((await send({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Headers: { subject: 'x' } })).body.Error).toBe('cannot overwrite header: "subject"');
    const bad = await send({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Attachments: [{ Content: '%%%', Filename: 'x.bin' }] });
    expect(bad).toMatchObject({ status: 400, body: { Error: 'error decoding base64 attachment "x.bin"' } });
    expect((await send([1])).status).toBe(400);
    expect((await getJson(`${sim.url}/api/v1/messages`)).body.total).toBe(0);
  });

  it('a scenario that refuses the message makes the API answer 400 with the SMTP reply', async () => {
    const fault = await getJson(`${sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'data-end' }, count: 1, action: { reply: { code: 554, enhanced: '5.7.1', text: 'Message rejected as spam' } } }),
    });
    expect(fault.status).toBe(201);
    const refused = await send({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'spam?' });
    expect(refused).toMatchObject({ status: 400, body: { Error: expect.stringMatching(/^SMTP error: 554 5\.7\.1 Message rejected as spam/) } });
    expect((await getJson(`${sim.url}/api/v1/messages`)).body.total).toBe(0);
    // The fault was one-shot: the next one goes through, and the server is still serving.
    expect((await send({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'ok' })).status).toBe(200);
  });
});

describe('POST /api/v1/send with --smtp-auth-file users', () => {
  it('logs in with an account only the process knows; real clients still need theirs', async () => {
    const authed = await startSim({ smtpAuthText: 'user:secret' });
    try {
      const { status, body } = await getJson(`${authed.url}/api/v1/send`, {
        method: 'POST',
        body: JSON.stringify({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'authed' }),
      });
      expect(status).toBe(200);
      expect((await getJson(`${authed.url}/api/v1/session/latest`)).body).toMatchObject({ User: 'mailsim-send-api', MessageIDs: [body.ID] });
    } finally {
      await authed.stop();
    }
  });
});
