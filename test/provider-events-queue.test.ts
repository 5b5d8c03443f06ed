import { afterEach, describe, expect, it } from 'vitest';
import { ProviderEventQueue } from '../server/provider-events/event-queue.js';
import type { ProviderEvent, ProviderEventKind } from '../server/provider-events/provider-event.js';
import { generateProviderKeys } from '../server/provider-events/signing-keys.js';
import { httpReceiver } from './helpers/http-receiver.js';
import { seededRandom } from './helpers/seeded-random.js';

const AT = Date.UTC(2026, 0, 2, 3, 4, 5);
const clock = { now: () => AT };
const event = (kind: ProviderEventKind, recipient = 'nobody@example.org'): ProviderEvent => ({
  kind,
  providerMessageId: `id-${recipient}`,
  recipient,
  envelopeFrom: 'bounce@example.com',
  acceptedAt: AT - 1_000,
  at: AT,
  reply: kind === 'bounced' ? '550 5.1.1 user unknown' : '250 OK',
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function queue(options: Omit<ConstructorParameters<typeof ProviderEventQueue>[0], 'random' | 'clock' | 'warn'>, warnings: string[] = []) {
  const q = new ProviderEventQueue({ random: seededRandom(), clock, warn: (m) => warnings.push(m), settings: { backoffMs: 5 }, ...options });
  cleanups.push(() => q.close());
  return q;
}

describe('provider event delivery queue', () => {
  it('posts in order per URL, retries a 500, and records every attempt with its status', async () => {
    const hook = await httpReceiver((n, _req, res) => res.writeHead(n === 0 ? 500 : 200).end());
    cleanups.push(hook.close);
    const q = queue({ destinations: [{ provider: 'sendgrid', url: `${hook.base}/sendgrid`, options: {} }] });
    q.publish(event('delivered', 'a@example.org'));
    q.publish(event('bounced', 'b@example.org'));
    q.publish(event('spam', 'c@example.org'));
    await hook.got(4);
    await q.idle();
    expect(hook.requests.map((r) => JSON.parse(r.body)[0].email)).toEqual(['a@example.org', 'a@example.org', 'b@example.org', 'c@example.org']);
    expect(q.history().map((r) => [r.provider, r.label, r.attempt, r.status, r.ok])).toEqual([
      ['sendgrid', 'sendgrid delivered', 1, 500, false],
      ['sendgrid', 'sendgrid delivered', 2, 200, true],
      ['sendgrid', 'sendgrid bounce', 1, 200, true],
      ['sendgrid', 'sendgrid spamreport', 1, 200, true],
    ]);
    expect(q.history()[0]).toMatchObject({ url: `${hook.base}/sendgrid`, at: AT, error: 'HTTP 500' });
    expect(q.stats()).toEqual([{ url: `${hook.base}/sendgrid`, delivered: 3, failed: 0, retried: 1, dropped: 0, queued: 0 }]);
  });

  it("Postmark's basic auth in the URL becomes an Authorization header; the URL goes without it", async () => {
    const hook = await httpReceiver();
    cleanups.push(hook.close);
    const url = hook.base.replace('http://', 'http://hook%40user:p%3Ass@') + '/postmark?x=1';
    const q = queue({ destinations: [{ provider: 'postmark', url, options: {} }] });
    q.publish(event('bounced'));
    q.publish(event('dropped'));
    q.publish(event('delivered'));
    await hook.got(2);
    await q.idle();
    expect(hook.requests.map((r) => JSON.parse(r.body).RecordType)).toEqual(['Bounce', 'Delivery']);
    expect(hook.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('hook@user:p:ss').toString('base64')}`);
    expect(hook.requests[0]!.url).toBe('/postmark?x=1');
    // Records never show the credentials (nor the query string).
    expect(q.history()[0]!.url).toBe(`${hook.base}/postmark`);
  });

  it('fans one event out to several providers, each in its own format; SES posts no deferral', async () => {
    const hook = await httpReceiver();
    cleanups.push(hook.close);
    const keys = await generateProviderKeys(AT);
    const q = queue({
      destinations: [
        { provider: 'ses', url: `${hook.base}/ses`, options: { region: 'eu-west-1', accountId: '111122223333', topicArn: 'arn:aws:sns:eu-west-1:111122223333:t', signingCertUrl: `${hook.base}/cert.pem`, unsubscribeUrl: `${hook.base}/unsubscribe`, privateKey: keys.sns.key } },
        { provider: 'mailgun', url: `${hook.base}/mailgun`, options: { signingKey: keys.mailgunSigningKey } },
      ],
    });
    q.publish(event('deferred'));
    q.publish(event('bounced'));
    await hook.got(3);
    await q.idle();
    expect(hook.requests.map((r) => r.url).sort()).toEqual(['/mailgun', '/mailgun', '/ses']);
    expect(JSON.parse(JSON.parse(hook.requests.find((r) => r.url === '/ses')!.body).Message).notificationType).toBe('Bounce');
    expect(hook.requests.filter((r) => r.url === '/mailgun').map((r) => JSON.parse(r.body)['event-data'].severity)).toEqual(['temporary', 'permanent']);
  });

  it('a receiver that is not there: each attempt recorded with no status, then given up with a warning', async () => {
    // 1023: a privileged port, below the ephemeral range every port-0 listener of the suite gets,
    // so no other test can be listening there (a port found free and closed again could be
    // taken); not on fetch's list of bad ports (1, 7, 9, ...), which fail before connecting.
    const port = 1023;
    const warnings: string[] = [];
    const q = queue({ destinations: [{ provider: 'postmark', url: `http://127.0.0.1:${port}/gone`, options: {} }], settings: { attempts: 2, backoffMs: 5 } }, warnings);
    q.publish(event('bounced'));
    await q.idle();
    expect(q.history().map((r) => [r.attempt, r.status, r.ok])).toEqual([
      [1, null, false],
      [2, null, false],
    ]);
    expect(q.history()[0]!.error).toMatch(/ECONNREFUSED/);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^webhook http://127.0.0.1:${port}/gone: gave up on a postmark Bounce delivery after 2 attempts: .*ECONNREFUSED`))]);
  });
});
