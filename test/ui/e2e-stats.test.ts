import { describe, expect, it } from 'vitest';
import type { SessionsList } from '../../server/protocol.js';
import { sessionsClosed } from '../helpers/events.js';
import { RawSmtp } from '../helpers/raw-smtp.js';
import { getJson } from '../helpers/sim.js';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { openLive, sendMany, useScenario } from './helpers/ui-sim.js';

/** Stats with one meaning per word, counts that survive a reload, a chart with axes; session facts. */
const ui = useBrowserSim({
  viewport: { width: 1440, height: 900 },
  beforeEach: async (sim) => {
    await useScenario(sim, { Name: 'default' });
  },
});

async function smtp(lines: string[]): Promise<void> {
  const client = await RawSmtp.open(ui.sim.smtpPort);
  await client.reply();
  for (const line of lines) await client.command(line);
  client.close();
}

const plain = (user: string, password: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`;

describe('stats and session facts (chromium)', () => {
  it('uses "rejected" in one sense, keeps faults fired across a reload, and draws axes', async () => {
    await useScenario(ui.sim, { Scenario: { name: 'strict', persona: { auth: { acceptAny: false, accounts: [{ user: 'shop', password: 'right' }] } } } });
    const closed = sessionsClosed(ui.sim.harness.bus, 4);
    await sendMany(ui.sim, 1, () => ({ from: 'app@example.com', to: 'ann@example.org', subject: 'ok', text: 'x' }));
    await smtp(['EHLO shop-app', 'MAIL FROM:<app@example.com> SIZE=999999999999', 'QUIT']);
    await smtp(['EHLO shop-app', plain('shop-user', 'wrong'), 'QUIT']);
    await fetch(`${ui.sim.url}/api/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ when: { phase: 'rcpt' }, count: 1, action: { reply: { code: 451, enhanced: '4.7.1', text: 'Later' } } }) });
    await smtp(['EHLO shop-app', 'MAIL FROM:<app@example.com>', 'RCPT TO:<ann@example.org>', 'QUIT']);
    await closed;
    const outcomes = (await getJson<SessionsList>(`${ui.sim.url}/api/v1/sessions`)).body.sessions.map((s) => s.Outcome).sort();
    expect(outcomes).toEqual(['auth-failed', 'deferred', 'delivered', 'rejected']);

    const metrics = await (await fetch(`${ui.sim.url}/metrics`)).text();
    const fired = String([...metrics.matchAll(/^mailsim_faults_fired_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0));
    expect(Number(fired)).toBeGreaterThan(0);

    await openLive(ui.page, ui.sim, '/stats');
    const card = (label: RegExp) => ui.page.locator('.card', { has: ui.page.locator('.label', { hasText: label }) }).locator('.value');
    await card(/^sessions rejected/).waitFor();
    expect(await card(/^sessions rejected/).textContent()).toBe('1');
    expect(await card(/^sessions deferred/).textContent()).toBe('1');
    expect(await card(/^faults fired since mailsim started/).textContent()).toBe(fired);
    expect(await ui.page.getByText(/^Rejected since start$/).count()).toBe(0);
    await ui.page.getByText('Sessions rejected or deferred since start').waitFor();
    // The chart's axes: a count scale and minutes.
    const chart = ui.page.getByRole('img', { name: /Messages accepted per minute/ });
    expect(await chart.locator('[data-axis="y"] span').allTextContents()).toEqual(expect.arrayContaining(['0', '1']));
    expect(await ui.page.locator('[data-axis="x"]').textContent()).toMatch(/30 min ago.*now/);
    await snapshot(ui.page, 'stats-defined');

    await ui.page.reload();
    await card(/^faults fired since mailsim started/).waitFor();
    await expect.poll(() => card(/^faults fired since mailsim started/).textContent()).toBe(fired);
    expect(ui.problems).toEqual([]);
  });

  it('names the user of a refused login, and spaces the row facts', async () => {
    await useScenario(ui.sim, { Scenario: { name: 'strict', persona: { auth: { acceptAny: false, accounts: [{ user: 'shop', password: 'right' }] } } } });
    const closed = sessionsClosed(ui.sim.harness.bus, 2);
    await smtp(['EHLO shop-app', plain('shop-user', 'wrong'), 'QUIT']);
    await smtp(['EHLO shop-app', plain('shop', 'right'), 'QUIT']);
    await closed;
    await openLive(ui.page, ui.sim, '/sessions');
    const good = ui.page.locator('[data-session]', { hasText: 'user shop ' });
    await good.waitFor();
    // The row names the listener, the scenario and the user, spaced; a session without mail is named by its EHLO.
    expect(await good.textContent()).toMatch(/^no mail\s*EHLO shop-app\b.*:\d+ · strict · user shop\b/);
    await ui.page.locator('[data-session]', { hasText: 'auth failed' }).getByRole('link').click();
    await ui.page.getByRole('table', { name: 'SMTP transcript' }).waitFor();
    const user = ui.page.locator('dt:text-is("User") + dd');
    expect(await user.textContent()).toMatch(/shop-user.*refused/);
    await snapshot(ui.page, 'session-refused-login-user');
  });
});
