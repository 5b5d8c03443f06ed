import { describe, expect, it } from 'vitest';
import { getJson } from '../helpers/sim.js';
import { describeViolations, runAxe } from './helpers/axe.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { openLive } from './helpers/ui-sim.js';

/** The message view's Compatibility tab (Mailpit's HTML check, issue 15), in chromium. */
const ui = useBrowserSim({ viewport: { width: 1280, height: 900 } });

const send = (Subject: string, body: { HTML?: string; Text?: string }) =>
  getJson<{ ID: string }>(`${ui.sim.url}/api/v1/send`, { method: 'POST', body: JSON.stringify({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject, ...body }) });

describe('Compatibility tab (chromium)', { timeout: 60_000 }, () => {
  it('shows the score, each feature with its support per client and notes, filtered by platform and client', async () => {
    const { body } = await send('Fancy layout', { HTML: '<html><head><style>a:hover { color: red }</style></head><body><div style="display: flex"><svg width="4" height="4"></svg></div></body></html>' });
    const page = ui.page;
    await openLive(page, ui.sim, `/message/${body.ID}`);
    await page.getByRole('heading', { name: 'Fancy layout' }).waitFor();
    await page.getByRole('tab', { name: 'Compatibility' }).click();
    const status = page.getByRole('status').filter({ hasText: 'supported' });
    await status.waitFor();
    expect(await status.textContent()).toMatch(/\d+% supported, \d+% partially, \d+% not supported/);
    for (const title of ['display:flex', 'Embedded <svg> image', '<style> element', ':hover']) await page.locator('summary').filter({ hasText: title }).first().waitFor();

    // Open display:flex: Outlook on Windows never supported it; the link goes to caniemail.
    const flex = page.locator('details').filter({ has: page.locator('summary', { hasText: 'display:flex' }) });
    await flex.locator('summary').click();
    const outlookWindows = flex.getByRole('row', { name: /^Outlook Windows 2007/ });
    expect(await outlookWindows.textContent()).toContain('2016: Not supported');
    expect(await flex.getByRole('link', { name: 'display:flex on caniemail.com' }).getAttribute('href')).toBe('https://www.caniemail.com/features/css-display-flex/');
    expect(await flex.locator('.notes li').count()).toBeGreaterThan(0);

    // Only Apple Mail on macOS: flexbox works there, so its score is 100% supported.
    await page.getByRole('combobox', { name: 'Platform', exact: true }).selectOption('macos');
    await page.getByRole('combobox', { name: 'Client', exact: true }).selectOption('Apple Mail');
    expect(await flex.locator('summary .result.yes').textContent()).toMatch(/^100%/);
    expect(await flex.getByRole('row').count()).toBe(2); // the header and Apple Mail macOS
    expect(await status.textContent()).toContain('(for Apple Mail on macOS)');

    const serious = (await runAxe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious, describeViolations(serious)).toEqual([]);
    expect(ui.problems).toEqual([]);
  });

  it('says so for a message without HTML', async () => {
    const { body } = await send('Plain', { Text: 'just text' });
    await openLive(ui.page, ui.sim, `/message/${body.ID}`);
    await ui.page.getByRole('heading', { name: 'Plain' }).waitFor();
    await ui.page.getByRole('tab', { name: 'Compatibility' }).click();
    await ui.page.getByText('This message has no HTML body to check.').waitFor();
    expect(ui.problems).toEqual([]);
  });
});
