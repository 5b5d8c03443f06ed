import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendWithNodemailer, smtplib, useScenario } from './helpers/faults.js';
import { withLoopWatch } from './helpers/loop-block.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

/**
 * Issue 9, item 6: scenario regexes ran on JavaScript's backtracking engine, so one sender could
 * freeze every connection for as long as the pattern cared to backtrack. These replay the
 * original inputs through real clients; on the old engine the first blocks for 13 s or more and
 * the second never returns.
 */
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

async function anotherClientIsServed(): Promise<void> {
  expect(await sendWithNodemailer(sim.smtpPort, { subject: 'bystander' })).toMatchObject({ ok: true, response: expect.stringMatching(/^250 /) });
  expect((await getJson(`${sim.url}/api/v1/scenarios`)).status).toBe(200);
}

describe('catastrophic regexes in a scenario', () => {
  it('^(a+)+$ on the sender: a 30-character local part is answered at once', async () => {
    await useScenario(sim, { name: 'redos-sender', rules: [{ when: { phase: 'mail', sender: { regex: '^(a+)+$' } }, action: { reply: { code: 550, text: 'all a' } } }] });
    const { result: [hostile], worstBlockMs } = await withLoopWatch(() =>
      Promise.all([smtplib(sim.smtpPort, `print(s.ehlo()[0], s.mail('${'a'.repeat(30)}@x.org'))`), anotherClientIsServed()]),
    );
    expect(hostile).toBe("250 (250, b'2.1.0 Accepted')");
    // 13 s of backtracking would still pass the test's 20 s timeout: the block itself is measured.
    expect(worstBlockMs).toBeLessThan(1000);
  });

  it('^(a|aa)+$ on the recipient: a 61-character address is answered at once', async () => {
    await useScenario(sim, { name: 'redos-rcpt', rules: [{ when: { phase: 'rcpt', recipient: { regex: '^(a|aa)+$' } }, action: { reply: { code: 550, text: 'all a' } } }] });
    const recipient = `${'a'.repeat(55)}@x.org`;
    expect(recipient).toHaveLength(61);
    const [hostile] = await Promise.all([sendWithNodemailer(sim.smtpPort, { to: recipient }), anotherClientIsServed()]);
    expect(hostile).toMatchObject({ ok: true, accepted: [recipient] });
  });

  it('a glob of many stars on the sender is answered at once', async () => {
    await useScenario(sim, { name: 'glob-stars', rules: [{ when: { phase: 'mail', sender: `${'*a'.repeat(30)}*b` }, action: { reply: { code: 550, text: 'stars' } } }] });
    const { result: [hostile], worstBlockMs } = await withLoopWatch(() => Promise.all([sendWithNodemailer(sim.smtpPort, { from: `${'a'.repeat(60)}@x.org` }), anotherClientIsServed()]));
    expect(hostile).toMatchObject({ ok: true });
    expect(worstBlockMs).toBeLessThan(1000);
  });
});
