import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../server/scenarios/parse.js';
import { nextEvent } from './helpers/events.js';
import { activate, sendWithNodemailer } from './helpers/faults.js';
import { httpReceiver } from './helpers/http-receiver.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// A scenario's own provider event webhooks (issue 13 item 5, "per scenario"): no
// --provider-events flag, the scenario file declares them; posts go through the same retrying
// ordered queue and are listed in GET /api/v1/provider-events.

let sim: TestSim;
let hook: Awaited<ReturnType<typeof httpReceiver>>;
beforeAll(async () => {
  hook = await httpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-provider-scenario-'));
  writeFileSync(
    join(dir, 'hooked.yaml'),
    [
      'description: posts its delivery events to the application',
      'providerEvents:',
      `  - { provider: mailgun, url: "${hook.base}/mailgun", signingKey: key-of-this-scenario }`,
      `  - { provider: sendgrid, url: "${hook.base}/sendgrid" }`,
      '',
    ].join('\n'),
  );
  sim = await startSim({ scenarios: dir });
});
afterAll(async () => {
  await sim.stop();
  await hook.close();
});

describe('providerEvents in a scenario file', () => {
  it('posts the delivery events of messages accepted under that scenario, signed with its own Mailgun key, and lists the posts; other scenarios post nothing', async () => {
    await activate(sim, 'hooked');
    const delivered = nextEvent(sim.harness.bus, 'delivery.event', (e) => e.kind === 'delivered');
    expect((await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'app@app.example', to: ['r@example.org'] }, subject: 'Hooked' })).ok).toBe(true);
    expect(await delivered).toMatchObject({ scenario: 'hooked' });
    const [first, second] = await hook.got(2);
    await sim.harness.providerEvents!.idle();
    const mailgun = [first!, second!].find((r) => r.url === '/mailgun')!;
    const { signature, 'event-data': data } = JSON.parse(mailgun.body);
    expect(data).toMatchObject({ event: 'delivered', recipient: 'r@example.org' });
    expect(createHmac('sha256', 'key-of-this-scenario').update(signature.timestamp + signature.token).digest('hex')).toBe(signature.signature);
    expect(JSON.parse([first!, second!].find((r) => r.url === '/sendgrid')!.body)[0]).toMatchObject({ event: 'delivered', email: 'r@example.org' });
    const posts = (await getJson<Array<{ provider: string; url: string; ok: boolean }>>(`${sim.url}/api/v1/provider-events`)).body;
    expect(posts.map((p) => [p.provider, p.url, p.ok]).sort()).toEqual([
      ['mailgun', `${hook.base}/mailgun`, true],
      ['sendgrid', `${hook.base}/sendgrid`, true],
    ]);

    await activate(sim, 'default');
    const other = nextEvent(sim.harness.bus, 'delivery.event', (e) => e.kind === 'delivered');
    expect((await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'app@app.example', to: ['s@example.org'] } })).ok).toBe(true);
    expect(await other).toMatchObject({ scenario: 'default' });
    await sim.harness.providerEvents!.idle();
    expect(hook.requests).toHaveLength(2);
  });

  it.each([
    ['an unknown provider', 'providerEvents:\n  - { provider: brevo, url: "http://127.0.0.1:1/x" }\n', 2, 'providerEvents.0.provider'],
    ['a URL that is not http(s)', 'providerEvents:\n  - provider: ses\n    url: "ftp://127.0.0.1/x"\n', 3, 'providerEvents.0.url'],
    ["another provider's setting", 'providerEvents:\n  - provider: sendgrid\n    url: "http://127.0.0.1:1/x"\n    signingKey: k\n', 4, 'providerEvents.0.signingKey'],
  ])('refuses %s, naming file, line and field', (_what, text, line, field) => {
    expect(parseScenario(text, 'p.yaml')).toMatchObject({ ok: false, error: { File: 'p.yaml', Line: line, Field: field } });
  });
});
