import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../server/errors/catalogue.js';
import { connectMailsim, MailsimError } from '../server/testing/index.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

describe('the error catalogue', () => {
  it('gives every SMTP reply an enhanced code of the same class (RFC 3463 §2)', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      if (!('smtp' in entry)) continue;
      expect(`${code} ${entry.smtp.enhanced[0]}`).toBe(`${code} ${String(entry.smtp.code)[0]}`);
    }
  });

  describe('over the API', () => {
    let sim: TestSim;
    beforeAll(async () => {
      sim = await startSim({ maxRecipients: 2 });
    });
    afterAll(() => sim.stop());

    it('answers with Mailpit\'s Error text and the catalogue Code and status', async () => {
      const missing = await getJson(`${sim.url}/api/v1/message/nope`);
      expect(missing).toEqual({ status: 404, body: { Error: 'message nope not found', Code: 'NOT_FOUND' } });
      // Mailpit reads bad paging leniently; a search without a query is still a 400.
      const bad = await getJson(`${sim.url}/api/v1/search`);
      expect(bad.status).toBe(ERRORS.BAD_REQUEST.status);
      expect(bad.body.Code).toBe('BAD_REQUEST');
      const route = await getJson(`${sim.url}/api/v1/nothing-here`);
      expect(route.body).toEqual({ Error: 'no such endpoint: GET /api/v1/nothing-here', Code: 'NOT_FOUND' });
      const malformed = await getJson(`${sim.url}/api/v1/messages`, { method: 'DELETE', body: '{"IDs": [', headers: { 'content-type': 'application/json' } });
      expect(malformed.body.Code).toBe('BAD_REQUEST');
    });

    it('hands the code to the test helper', async () => {
      const client = await connectMailsim(sim.url);
      const error = await client.message('nope').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailsimError);
      expect((error as MailsimError).code).toBe('NOT_FOUND');
    });

    it('answers SMTP with the catalogue reply: too many recipients', async () => {
      const client = await RawSmtp.open(sim.smtpPort);
      await client.reply();
      await client.command('EHLO t');
      await client.command('MAIL FROM:<a@b.example>');
      const replies = [];
      for (let i = 0; i < 3; i++) replies.push(await client.command(`RCPT TO:<r${i}@c.example>`));
      await client.command('QUIT');
      const { code, enhanced, text } = ERRORS.TOO_MANY_RECIPIENTS.smtp;
      expect(replies.map((r) => r.trim())).toEqual([expect.stringMatching(/^250 /), expect.stringMatching(/^250 /), `${code} ${enhanced} ${text}`]);
    });
  });
});
