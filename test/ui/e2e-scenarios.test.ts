import { describe, expect, it } from 'vitest';
import type { OneShotFaultInfo } from '../../server/protocol.js';
import { getJson } from '../helpers/sim.js';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { inViewport, openLive, sendMany, useScenario } from './helpers/ui-sim.js';

/** The Scenarios page: counters on the scenario clock, used-up faults, feedback where the action was. */
const ui = useBrowserSim({
  viewport: { width: 1440, height: 900 },
  beforeEach: async (sim) => {
    await useScenario(sim, { Name: 'default' });
    await post('/api/v1/clock', { reset: true });
  },
});

const post = (path: string, body: unknown) => fetch(`${ui.sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sendOne = () => sendMany(ui.sim, 1, () => ({ from: 'app@example.com', to: 'ann@example.org', subject: 'x', text: 'x' })).catch((error: { responseCode?: number }) => error);

describe('scenarios (chromium)', () => {
  it('counts down "Next reset" on the scenario clock, not on real time', async () => {
    await useScenario(ui.sim, { Scenario: { name: 'daily-cap', limits: [{ name: 'per-day', kind: 'messages', max: 5, window: { fixed: '1d' }, reply: { code: 550, enhanced: '5.4.5', text: 'Daily limit' } }] } });
    // Ten in the morning (scenario time) in a year that real time has not reached.
    await post('/api/v1/clock', { set: '2030-01-01T10:00:00Z' });
    await sendOne();
    await openLive(ui.page, ui.sim, '/scenarios');
    const row = ui.page.locator('#counters-title ~ table tr', { hasText: 'per-day' });
    await row.waitFor();
    expect(await row.locator('td[data-next-reset]').textContent()).toMatch(/^in 1[34] h( \d+ min)?$/);
    expect(await row.textContent()).toContain('1 / 5');
    await snapshot(ui.page, 'scenarios-next-reset');
    expect(ui.problems).toEqual([]);
  });

  it('shows a greylisted triple as attempts and when it passes, not "3 / 0"', async () => {
    await useScenario(ui.sim, { Name: 'greylisting' });
    await sendOne();
    await sendOne();
    await openLive(ui.page, ui.sim, '/scenarios');
    const row = ui.page.locator('#counters-title ~ table tr', { hasText: 'greylist' });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).not.toMatch(/\/\s*0/);
    expect(text).toContain('2 attempts');
    expect(await row.locator('td[data-next-reset]').textContent()).toMatch(/^passes in [45] min/);
    await snapshot(ui.page, 'scenarios-greylist-counter');
  });

  it('labels used-up one-shot faults and renders when/action readably', async () => {
    await post('/api/v1/faults', { when: { phase: 'rcpt', recipient: '*@example.org' }, count: 1, action: { reply: { code: 450, enhanced: '4.2.1', text: 'Mailbox busy' } } });
    await post('/api/v1/faults', { when: { phase: 'connect', client: '10.0.0.0/8' }, count: 2, action: { delay: '5s', disconnect: {} } });
    await sendOne();
    await openLive(ui.page, ui.sim, '/scenarios');
    const table = ui.page.locator('#faults-title ~ table');
    await table.waitFor();
    const used = table.locator('tr', { hasText: 'Mailbox busy' });
    expect(await used.textContent()).toMatch(/used up/i);
    expect(await used.textContent()).toContain('at RCPT to *@example.org');
    expect(await used.textContent()).toContain('reply 450 4.2.1 Mailbox busy');
    expect(await table.locator('tr', { hasText: 'disconnect' }).textContent()).toMatch(/wait 5 s, then disconnect.*2 left/);
    expect(await table.textContent()).not.toContain('{');
    await snapshot(ui.page, 'scenarios-faults-used-up');
  });

  it('refuses an empty text and a class mismatch in the fault form, and says why beside it', async () => {
    await openLive(ui.page, ui.sim, '/scenarios');
    const form = ui.page.locator('form.custom');
    await form.waitFor();
    await form.getByLabel('Text').fill('');
    await form.getByRole('button', { name: 'Arm fault' }).click();
    await form.getByRole('alert').filter({ hasText: /text/i }).waitFor();
    await form.getByLabel('Text').fill('Try later');
    await form.getByLabel('Code').fill('451');
    await form.getByLabel('Enhanced').fill('5.4.5');
    await form.getByRole('button', { name: 'Arm fault' }).click();
    await form.getByRole('alert').filter({ hasText: /class/ }).waitFor();
    expect(await form.getByLabel('Enhanced').getAttribute('aria-invalid')).toBe('true');
    await snapshot(ui.page, 'scenarios-fault-form-invalid');
    expect((await getJson<{ faults: OneShotFaultInfo[] }>(`${ui.sim.url}/api/v1/faults`)).body.faults).toEqual([]);
    await form.getByLabel('Enhanced').fill('4.4.5');
    await form.getByRole('button', { name: 'Arm fault' }).click();
    await expect.poll(async () => (await getJson<{ faults: OneShotFaultInfo[] }>(`${ui.sim.url}/api/v1/faults`)).body.faults.length).toBe(1);
  });

  it('shows confirmations and errors next to the control on a phone', async () => {
    await ui.page.setViewportSize({ width: 390, height: 844 });
    await openLive(ui.page, ui.sim, '/scenarios');
    const last = ui.page.locator('tr[data-scenario]').last();
    await last.waitFor();
    const name = await last.getAttribute('data-scenario');
    await last.getByRole('button', { name: /^Use/ }).scrollIntoViewIfNeeded();
    await last.getByRole('button', { name: /^Use/ }).click();
    const note = ui.page.getByRole('status').filter({ hasText: `Scenario "${name}" is now active` });
    await note.waitFor();
    expect(await inViewport(ui.page, `[role="status"]:has-text('is now active')`)).toBe(true);
    await snapshot(ui.page, 'phone-scenarios-use-feedback');

    const amount = ui.page.getByLabel('Advance by');
    await amount.scrollIntoViewIfNeeded();
    await amount.fill('soon');
    await ui.page.getByRole('button', { name: 'Advance', exact: true }).click();
    await ui.page.getByRole('alert').filter({ hasText: /advance/i }).waitFor();
    expect(await inViewport(ui.page, `[role="alert"]:has-text('advance')`)).toBe(true);
    await snapshot(ui.page, 'phone-scenarios-clock-error');
  });
});
