import { describe, expect, it } from 'vitest';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { openLive, sendMany } from './helpers/ui-sim.js';

/**
 * Issue 15: Esc closes the innermost thing only (a menu, the shortcut overlay, a confirmation),
 * one per press, and the open message on the press after. It closed the settings menu and the
 * message at once.
 */
const ui = useBrowserSim({ viewport: { width: 1440, height: 900 } });

/** The inbox with one message open; returns the message's path. */
async function openMessage(): Promise<string> {
  const [id] = await sendMany(ui.sim, 2, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Esc ${i}`, text: `body ${i}` }));
  await openLive(ui.page, ui.sim, `/message/${id}`);
  await ui.page.getByRole('heading', { name: 'Esc 0' }).waitFor();
  return `/message/${id}`;
}

const isOpen = (selector: string) => ui.page.locator(selector).evaluate((el) => (el as unknown as { open: boolean }).open);
const path = () => new URL(ui.page.url()).pathname;

/** One Esc: the message is still open afterwards (and its heading shown). */
async function escKeepsMessage(message: string): Promise<void> {
  await ui.page.keyboard.press('Escape');
  await ui.page.getByRole('heading', { name: 'Esc 0' }).waitFor();
  expect(path()).toBe(message);
}

/** The last Esc: now the message closes. */
async function escClosesMessage(): Promise<void> {
  await ui.page.keyboard.press('Escape');
  await expect.poll(path).toBe('/');
  await ui.page.getByRole('heading', { name: 'Esc 0' }).waitFor({ state: 'detached' });
}

describe('Esc closes the innermost thing first (chromium)', () => {
  it('the settings menu, then the message', async () => {
    const message = await openMessage();
    await ui.page.getByLabel('Settings', { exact: true }).and(ui.page.locator('summary')).click();
    await ui.page.getByRole('group', { name: 'Settings' }).waitFor();
    await snapshot(ui.page, 'escape-settings-open');
    await escKeepsMessage(message);
    await expect.poll(() => isOpen('details.menu')).toBe(false);
    await escClosesMessage();
    expect(ui.problems).toEqual([]);
  });

  it('the reset confirmation, then the settings menu around it, then the message', async () => {
    const message = await openMessage();
    await ui.page.getByLabel('Settings', { exact: true }).and(ui.page.locator('summary')).click();
    await ui.page.getByRole('button', { name: 'Reset everything…' }).click();
    await ui.page.getByRole('button', { name: 'Yes, reset everything' }).waitFor();
    await escKeepsMessage(message);
    await ui.page.getByRole('button', { name: 'Reset everything…' }).waitFor();
    expect(await isOpen('details.menu')).toBe(true);
    await escKeepsMessage(message);
    await expect.poll(() => isOpen('details.menu')).toBe(false);
    await escClosesMessage();
    expect(ui.problems).toEqual([]);
  });

  it('the Simulate menu, then the message', async () => {
    const message = await openMessage();
    await ui.page.getByText('Simulate', { exact: true }).click();
    await ui.page.getByRole('button', { name: 'Reply', exact: true }).waitFor();
    await escKeepsMessage(message);
    await expect.poll(() => isOpen('details.simulate')).toBe(false);
    await escClosesMessage();
    expect(ui.problems).toEqual([]);
  });

  it('the ? shortcut overlay, then the message', async () => {
    const message = await openMessage();
    await ui.page.keyboard.press('?');
    const overlay = ui.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await overlay.waitFor();
    await snapshot(ui.page, 'escape-shortcuts-open');
    await escKeepsMessage(message);
    await overlay.waitFor({ state: 'hidden' });
    await escClosesMessage();
    expect(ui.problems).toEqual([]);
  });

  it('the "Delete all" confirmation, then the message', async () => {
    const message = await openMessage();
    await ui.page.getByRole('button', { name: 'Delete all' }).click();
    const really = ui.page.getByRole('button', { name: /^Really delete all 2\?$/ });
    await really.waitFor();
    await escKeepsMessage(message);
    await really.waitFor({ state: 'detached' });
    await ui.page.getByRole('button', { name: 'Delete all' }).waitFor();
    await escClosesMessage();
    expect(ui.problems).toEqual([]);
  });
});
