import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionsList } from '../server/protocol.js';
import { sessionsClosed } from './helpers/events.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

/**
 * The session search the UI offers: sender, recipient, subject, any text, listener, scenario and
 * a time window, over stored sessions (SQL) and open ones (in memory) alike.
 */
let sim: TestSim;
let before: string;

beforeAll(async () => {
  sim = await startSim();
  const closed = sessionsClosed(sim.harness.bus, 2);
  // Two messages over one pooled connection, then one on a connection of its own under another scenario.
  const pooled = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, pool: true, maxConnections: 1 });
  await pooled.sendMail({ from: 'shop@example.com', to: ['ann@example.org', 'bob@example.org'], subject: 'Your order ✓', text: 'x' });
  await pooled.sendMail({ from: 'shop@example.com', to: 'carol@example.org', subject: 'Invoice 100%_done', text: 'x' });
  pooled.close();
  before = new Date().toISOString();
  const put = await getJson(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: 'mailbox-unavailable' }) });
  expect(put.status).toBe(200);
  const single = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
  await single.sendMail({ from: 'news@example.net', to: 'dave@example.org', subject: 'Weekly news', text: 'x' });
  single.close();
  await closed;
});
afterAll(() => sim.stop());

async function search(query: string): Promise<{ status: number; body: SessionsList & { Error?: string } }> {
  return getJson(`${sim.url}/api/v1/sessions?${query}`);
}

const subjects = (list: SessionsList) => list.sessions.map((s) => s.Transactions.map((t) => t.Subject).join(' + '));

describe('session search (GET /api/v1/sessions)', () => {
  it('records the scenario and, per transaction, the stored subject', async () => {
    const { body } = await search('');
    expect(body.sessions.map((s) => s.Scenario)).toEqual(['mailbox-unavailable', 'default']);
    expect(subjects(body)).toEqual(['Weekly news', 'Your order ✓ + Invoice 100%_done']);
  });

  it('finds by sender, recipient and subject, as case-insensitive substrings', async () => {
    expect(subjects((await search('sender=NEWS@')).body)).toEqual(['Weekly news']);
    expect(subjects((await search('recipient=carol')).body)).toEqual(['Your order ✓ + Invoice 100%_done']);
    expect(subjects((await search('subject=order')).body)).toEqual(['Your order ✓ + Invoice 100%_done']);
    // LIKE wildcards in the needle are plain characters.
    expect((await search('subject=100%25_d')).body.total).toBe(1);
    expect((await search('subject=_')).body.total).toBe(1);
    expect((await search('subject=%25%25')).body.total).toBe(0);
    expect((await search('text=dave')).body.total).toBe(1);
    expect((await search('text=example')).body.total).toBe(2);
  });

  it('finds by listener, scenario and time', async () => {
    expect((await search(`listener=127.0.0.1:${sim.smtpPort}`)).body.total).toBe(2);
    expect((await search('listener=127.0.0.1:1')).body.total).toBe(0);
    expect(subjects((await search('scenario=default')).body)).toEqual(['Your order ✓ + Invoice 100%_done']);
    expect(subjects((await search(`since=${encodeURIComponent(before)}`)).body)).toEqual(['Weekly news']);
    expect(subjects((await search(`before=${encodeURIComponent(before)}`)).body)).toEqual(['Your order ✓ + Invoice 100%_done']);
  });

  it('refuses a malformed listener or time with a 400 naming the field', async () => {
    const listener = await search('listener=nowhere');
    expect(listener.status).toBe(400);
    expect(listener.body.Error).toMatch(/listener/);
    const time = await search('before=yesterday');
    expect(time.status).toBe(400);
    expect(time.body.Error).toMatch(/before/);
  });

  it('applies the same filter to open sessions, held in memory', async () => {
    const smtp = await RawSmtp.open(sim.smtpPort);
    try {
      await smtp.reply();
      await smtp.command('EHLO open.test');
      await smtp.command('MAIL FROM:<live@example.com>');
      await smtp.command('RCPT TO:<erin@example.org>');
      const open = (await search('sender=live@&outcome=active')).body;
      expect(open.sessions.map((s) => [s.Outcome, s.Scenario])).toEqual([['active', 'mailbox-unavailable']]);
      expect((await search('recipient=erin&scenario=default')).body.total).toBe(0);
    } finally {
      smtp.socket.destroy();
    }
  });
});
