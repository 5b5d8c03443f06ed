import { describe, expect, it } from 'vitest';
import type { MessagesSummary } from '../../server/protocol.js';
import { getJson } from '../helpers/sim.js';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { openLive, sendMany } from './helpers/ui-sim.js';

/** Controls that change data act on exactly what their label says; search errors are shown once and honestly. */
const ui = useBrowserSim({ viewport: { width: 1440, height: 900 } });

const summary = () => getJson<MessagesSummary>(`${ui.sim.url}/api/v1/messages?limit=1`).then((r) => r.body);

/** IDs of the rows at least half inside the list's viewport. */
function rowsOnScreen(): Promise<string[]> {
  return ui.page.getByRole('grid', { name: 'Messages, newest first' }).evaluate((grid) => {
    const view = grid.getBoundingClientRect();
    return [...grid.querySelectorAll('[data-id]')].flatMap((row) => {
      const r = row.getBoundingClientRect();
      const shown = Math.min(r.bottom, view.bottom) - Math.max(r.top, view.top);
      return shown >= r.height / 2 ? [row.getAttribute('data-id')!] : [];
    });
  });
}

describe('inbox actions (chromium)', () => {
  it('marks only the searched messages read when a search is active', async () => {
    await sendMany(ui.sim, 6, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: i < 2 ? `Invoice ${i}` : `Other ${i}`, text: 'x' }));
    await openLive(ui.page, ui.sim, '/?q=subject:invoice');
    await expect.poll(() => ui.page.locator('[data-id]').count()).toBe(2);
    const mark = ui.page.getByRole('button', { name: /^Mark .*read$/ });
    expect(await mark.textContent()).toMatch(/Mark 2 matching read/);
    await snapshot(ui.page, 'inbox-mark-matching-read');
    await mark.click();
    await expect.poll(async () => (await summary()).unread).toBe(4);
    // Without a search the same control says all, and does all.
    await ui.page.getByRole('button', { name: 'Clear' }).click();
    await ui.page.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(async () => (await summary()).unread).toBe(0);
    expect(ui.problems).toEqual([]);
  });

  it('selects only the rows on screen, and Delete removes exactly those', async () => {
    const ids = await sendMany(ui.sim, 60, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Row ${i}`, text: 'x' }));
    await openLive(ui.page, ui.sim);
    await ui.page.locator('[data-id]').first().waitFor();
    await ui.page.getByRole('grid', { name: 'Messages, newest first' }).evaluate((el) => (el.scrollTop = 58 * 20 + 29));
    await expect.poll(() => ui.page.locator('[aria-rowindex="22"][data-id]').count()).toBe(1);
    const shown = await rowsOnScreen();
    const select = ui.page.getByRole('button', { name: /^Select \d+ on screen$/ });
    expect(await select.textContent()).toBe(`Select ${shown.length} on screen`);
    await select.click();
    await ui.page.getByText(`${shown.length} selected`).waitFor();
    await snapshot(ui.page, 'inbox-select-on-screen');
    await ui.page.getByRole('button', { name: `Delete ${shown.length}` }).click();
    await expect.poll(async () => (await summary()).total).toBe(60 - shown.length);
    const left = new Set((await getJson<MessagesSummary>(`${ui.sim.url}/api/v1/messages?limit=100`)).body.messages.map((m) => m.ID));
    expect(shown.filter((id) => left.has(id))).toEqual([]);
    expect(ids.filter((id) => !left.has(id)).sort()).toEqual([...shown].sort());
    expect(ui.problems).toEqual([]);
  });

  it('searches an unbalanced quote from the address bar as Mailpit does: no error, no endless Loading', async () => {
    await sendMany(ui.sim, 2, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Hello ${i}`, text: 'x' }));
    // Mailpit never rejects a search (issue 12): the quote runs to the end, `subject:open` matches none.
    await openLive(ui.page, ui.sim, `/?q=${encodeURIComponent('subject:"open')}`);
    expect(await ui.page.getByRole('searchbox').inputValue()).toBe('subject:"open');
    await expect.poll(() => ui.page.getByText('Loading…').count()).toBe(0);
    expect(await ui.page.locator('[data-id]').count()).toBe(0);
    expect(await ui.page.getByRole('alert').count()).toBe(0);
    await snapshot(ui.page, 'inbox-search-lenient-url');
  });

  it('keeps the address bar, the box and the list in agreement for queries Mailpit reads leniently', async () => {
    await sendMany(ui.sim, 3, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Hello ${i}`, text: 'x' }));
    await openLive(ui.page, ui.sim);
    await expect.poll(() => ui.page.locator('[data-id]').count()).toBe(3);
    // An unclosed quote (no match) and an unreadable date (ignored: every message matches).
    for (const [query, count] of [['subject:"open', 0], ['before:garbage', 3]] as const) {
      await ui.page.getByRole('searchbox').fill(query);
      await ui.page.keyboard.press('Enter');
      await expect.poll(() => new URL(ui.page.url()).searchParams.get('q')).toBe(query);
      expect(await ui.page.getByRole('searchbox').inputValue()).toBe(query);
      await expect.poll(() => ui.page.locator('[data-id]').count()).toBe(count);
      expect(await ui.page.getByRole('alert').count()).toBe(0);
      expect(await ui.page.getByText('Loading…').count()).toBe(0);
    }
    await snapshot(ui.page, 'inbox-search-lenient-typed');
    await ui.page.getByRole('searchbox').fill('subject:hello');
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.locator('[data-id]').count()).toBe(3);
    expect(await ui.page.getByRole('alert').count()).toBe(0);
  });
});
