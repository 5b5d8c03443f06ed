import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/mail/database.js';
import { MessageStore } from '../server/mail/message-store.js';
import type { MessagesSummary } from '../server/protocol.js';
import { nextEvent } from './helpers/events.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

let sim: TestSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** Sends over one pooled connection and returns once that session has closed. */
async function sendMany(target: TestSim, subjects: string[]): Promise<void> {
  const closed = nextEvent(target.harness.bus, 'session.closed');
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: target.smtpPort, ignoreTLS: true, pool: true });
  for (const subject of subjects) await transport.sendMail({ from: 'a@example.com', to: 'b@example.org', subject, text: subject });
  transport.close();
  await closed;
}

describe('retention', () => {
  it('keeps the newest --max-messages and announces the pruned ones', async () => {
    sim = await startSim({ maxMessages: 3 });
    const deleted: string[] = [];
    sim.harness.bus.on('message.deleted', ({ IDs }) => deleted.push(...IDs));
    await sendMany(sim, ['m1', 'm2', 'm3', 'm4', 'm5']);
    const list = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body;
    expect(list.messages.map((m) => m.Subject)).toEqual(['m5', 'm4', 'm3']);
    expect(deleted).toHaveLength(2);
    for (const id of deleted) expect((await fetch(`${sim.url}/api/v1/message/${id}/raw`)).status).toBe(404);
  });

  it('deletes messages and sessions older than --max-age on the sweep, by the injected clock', async () => {
    let now = Date.UTC(2026, 0, 1);
    sim = await startSim({ maxAge: 7 * 86_400_000 }, { now: () => now });
    await sendMany(sim, ['old']);
    now += 6 * 86_400_000;
    await sendMany(sim, ['recent']);
    now += 2 * 86_400_000;
    await sim.harness.mailbox.sweep();
    const list = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body;
    expect(list.messages.map((m) => m.Subject)).toEqual(['recent']);
    const sessions = (await getJson<{ total: number }>(`${sim.url}/api/v1/sessions`)).body;
    expect(sessions.total).toBe(1);
  });

  it('removes raw bytes, search rows and tag links with the message, and tags nothing carries', () => {
    const db = openDatabase({ path: ':memory:' });
    const store = new MessageStore(db);
    const summary = store.insert({
      id: 'abc', sessionId: null, created: 1, envelopeFrom: 'a@x', envelopeTo: ['b@y'], messageId: '', subject: 's',
      addresses: { From: null, To: [], Cc: [], Bcc: [], ReplyTo: [] }, date: null, size: 3, snippet: '', attachments: 0,
      inline: 0, username: '', raw: Buffer.from('raw'), bodyText: 'raw', tags: ['t1', 't2'],
    });
    expect(summary).toMatchObject({ ID: 'abc', Tags: ['t1', 't2'] });
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    expect([count('message_raw'), count('message_search'), count('message_tags'), count('tags')]).toEqual([1, 1, 2, 2]);
    expect(store.delete(['abc', 'missing'])).toEqual(['abc']);
    expect([count('messages'), count('message_raw'), count('message_search'), count('message_tags'), count('tags')]).toEqual([0, 0, 0, 0, 0]);
    expect(store.count).toBe(0);
  });
});
