import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanTag, extractTags, plusAddressTags, uniqueTags } from '../server/mail/tags.js';
import type { AppInfo, MessagesSummary, MessageSummary } from '../server/protocol.js';
import { nextEvent } from './helpers/events.js';
import { sendWithNodemailer, smtplib } from './helpers/faults.js';
import type { SendOptions } from './helpers/sim.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';
import { nextWait } from './helpers/waits.js';

let sim: TestSim;
let mailpit: MailpitClient;
beforeAll(async () => {
  sim = await startSim();
  mailpit = new MailpitClient(sim.url);
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

async function send(target: TestSim, mail: Partial<SendOptions>, options: Record<string, unknown> = {}): Promise<MessageSummary> {
  const received = nextEvent(target.harness.bus, 'message.received', (m) => m.Subject === mail.subject);
  const outcome = await sendWithNodemailer(target.smtpPort, mail, options);
  expect(outcome.ok, outcome.message).toBe(true);
  return received;
}

const search = async (query: string) => (await getJson<MessagesSummary>(`${sim.url}/api/v1/search?query=${encodeURIComponent(query)}`)).body.messages.map((m) => m.Subject).sort();

describe('tag rules (Mailpit\'s)', () => {
  it('cleans names: invalid characters become spaces, runs collapse, case-insensitive duplicates go', () => {
    expect(cleanTag('  bad$chars  here ')).toBe('bad chars here');
    // Mailpit's rules keep `@` and cut a name at 100 characters.
    expect(cleanTag('alice@example.com')).toBe('alice@example.com');
    expect(cleanTag('x'.repeat(150))).toBe('x'.repeat(100));
    expect(uniqueTags(['b', 'A', 'a', '', '!!!', 'B.x_y-z'])).toEqual(['A', 'b', 'B.x_y-z']);
    expect(plusAddressTags(['user+one+two@x.org', 'plain@x.org', '+lead@x.org', 'odd+@x.org'])).toEqual(['one', 'two', 'lead', '']);
    const input = { xTags: ['X1, x2'], from: { Name: '', Address: 'a+from@x' }, to: [], cc: [], bcc: [], user: 'job 1' };
    expect(extractTags(input, { sources: ['x-tags', 'plus-addresses'] })).toEqual(['from', 'X1', 'x2']);
    expect(extractTags(input, { sources: ['username'] })).toEqual(['job 1']);
  });
});

describe('automatic tags, over SMTP', () => {
  it('takes tags from X-Tags headers and from plus addresses in From, To, Cc and Bcc (envelope included)', async () => {
    const message = await send(sim, {
      subject: 'tagged',
      from: 'App <app+job-7@example.com>',
      to: 'user+signup+eu@example.org',
      cc: 'cc+copy@example.org',
      bcc: 'audit+hidden@example.org',
      headers: { 'X-Tags': 'Alpha, beta two, bad$chars, SIGNUP' },
    });
    expect(message.Tags).toEqual(['Alpha', 'bad chars', 'beta two', 'copy', 'eu', 'hidden', 'job-7', 'SIGNUP']);
    const stored = await mailpit.getMessageSummary(message.ID);
    expect(stored.Tags).toEqual(message.Tags);
    expect((await mailpit.listMessages()).messages[0]!.Tags).toEqual(message.Tags);
  });

  it('keeps the first spelling of a tag for later messages', async () => {
    await send(sim, { subject: 'one', headers: { 'X-Tags': 'Release' } });
    const two = await send(sim, { subject: 'two', to: 'x+RELEASE@example.org' });
    expect(two.Tags).toEqual(['Release']);
    expect(await mailpit.getTags()).toEqual(['Release']);
  });

  it('tags with the authenticated user when --tags-username is on, and honours --tags-disable', async () => {
    const own = await startSim({ tagsUsername: true, tagsDisable: ['plus-addresses'] });
    try {
      const message = await send(own, { subject: 'as job', to: 'ci+ignored@example.org', headers: { 'X-Tags': 'kept' } }, { auth: { user: 'job-42', pass: 'x' } });
      expect(message.Tags).toEqual(['job-42', 'kept']);
      const anonymous = await send(own, { subject: 'anonymous' });
      expect(anonymous.Tags).toEqual([]);
      // smtplib, AUTH PLAIN with a user name that is an address: kept whole, as Mailpit does.
      const received = nextEvent(own.harness.bus, 'message.received');
      expect(await smtplib(own.smtpPort, "s.login('alice@example.com', 'pw'); print(s.sendmail('a@x.org', ['b@y.org'], 'Subject: py\\r\\n\\r\\nbody'))")).toBe('{}');
      expect((await received).Tags).toEqual(['alice@example.com']);
    } finally {
      await own.stop();
    }
  });
});

describe('tag: and is:tagged in the search language', () => {
  it('matches whole tag names without regard to case, and negates', async () => {
    await send(sim, { subject: 'a', headers: { 'X-Tags': 'Beta Two, one' } });
    await send(sim, { subject: 'b', to: 'x+one@example.org' });
    await send(sim, { subject: 'c' });
    expect(await search('tag:one')).toEqual(['a', 'b']);
    expect(await search('tag:ONE')).toEqual(['a', 'b']);
    expect(await search('tag:"beta two"')).toEqual(['a']);
    expect(await search('tag:beta')).toEqual([]);
    expect(await search('-tag:one')).toEqual(['c']);
    expect(await search('is:tagged')).toEqual(['a', 'b']);
    expect(await search('-is:tagged')).toEqual(['c']);
    expect((await mailpit.searchMessages({ query: 'tag:one subject:b' })).messages.map((m) => m.Subject)).toEqual(['b']);
  });
});

describe('Mailpit\'s tag endpoints, through the mailpit-api client', () => {
  it('lists, sets, renames and deletes tags; counts them in /api/v1/info and the list', async () => {
    const first = await send(sim, { subject: 'first', headers: { 'X-Tags': 'old' } });
    const second = await send(sim, { subject: 'second' });
    expect(await mailpit.getTags()).toEqual(['old']);

    expect(await mailpit.setTags({ IDs: [first.ID, second.ID], Tags: ['Team A', 'nightly', 'bad!', 'team a'] })).toBe('ok');
    expect((await mailpit.getMessageSummary(first.ID)).Tags).toEqual(['bad', 'nightly', 'Team A']);
    // "old" lost its last message, so it is gone from the list.
    expect(await mailpit.getTags()).toEqual(['bad', 'nightly', 'Team A']);
    expect((await mailpit.getInfo()).Tags).toEqual({ bad: 2, nightly: 2, 'Team A': 2 });
    expect((await mailpit.listMessages()).tags).toEqual(['bad', 'nightly', 'Team A']);

    await mailpit.renameTag('team a', 'Team B');
    expect(await search('tag:"team b"')).toEqual(['first', 'second']);
    await mailpit.deleteTag('bad');
    expect((await mailpit.getMessageSummary(second.ID)).Tags).toEqual(['nightly', 'Team B']);

    await mailpit.setTags({ IDs: [second.ID] });
    expect((await mailpit.getMessageSummary(second.ID)).Tags).toEqual([]);
    expect((await getJson<AppInfo>(`${sim.url}/api/v1/info`)).body.Tags).toEqual({ nightly: 1, 'Team B': 1 });

    await mailpit.deleteMessages({ IDs: [first.ID] });
    expect(await mailpit.getTags()).toEqual([]);
  });

  it('answers errors as JSON: unknown tag 404 (unknown message IDs are skipped), name clash or invalid name 400', async () => {
    const message = await send(sim, { subject: 'x', headers: { 'X-Tags': 'one, two' } });
    const put = (path: string, body: unknown) => getJson<{ Error: string }>(`${sim.url}${path}`, { method: 'PUT', body: JSON.stringify(body) });
    expect(await put('/api/v1/tags/one', { Name: 'TWO' })).toEqual({ status: 400, body: { Code: 'BAD_REQUEST', Error: 'a tag named "TWO" already exists' } });
    expect((await put('/api/v1/tags/one', { Name: '$$$' })).status).toBe(400);
    expect((await put('/api/v1/tags/one', {})).body.Error).toMatch(/invalid body Name/);
    expect(await put('/api/v1/tags/nothing', { Name: 'x' })).toEqual({ status: 404, body: { Code: 'NOT_FOUND', Error: 'tag nothing not found' } });
    // Mailpit skips unknown IDs and tags the known ones.
    expect((await fetch(`${sim.url}/api/v1/tags`, { method: 'PUT', body: JSON.stringify({ IDs: [message.ID, 'nope'], Tags: ['one', 'two'] }) })).status).toBe(200);
    expect((await getJson(`${sim.url}/api/v1/tags/nothing`, { method: 'DELETE' })).status).toBe(404);
    await expect(mailpit.renameTag('nothing', 'x')).rejects.toThrow(/404/);
    const rename = await fetch(`${sim.url}/api/v1/tags/one`, { method: 'PUT', body: JSON.stringify({ Name: 'One' }) });
    expect([rename.status, await rename.text()]).toEqual([200, 'ok']);
    expect(await mailpit.getTags()).toEqual(['One', 'two']);
  });

  it('a wait on tag: is answered when tags are set through the API', async () => {
    const message = await send(sim, { subject: 'later tagged' });
    const opened = nextWait(sim.harness.integrations.waits);
    const waiting = getJson<MessagesSummary>(`${sim.url}/api/v1/wait?query=tag:reviewed&timeout=5s`);
    await opened;
    await mailpit.setTags({ IDs: [message.ID], Tags: ['reviewed'] });
    const { status, body } = await waiting;
    expect(status).toBe(200);
    expect(body.messages.map((m) => m.ID)).toEqual([message.ID]);
  });
});
