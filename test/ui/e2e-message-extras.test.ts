import { describe, expect, it } from 'vitest';
import type { MessageSummary } from '../../server/protocol.js';
import { getJson } from '../helpers/sim.js';
import { snapshot } from './helpers/browser.js';
import { openLive, sendMany } from './helpers/ui-sim.js';
import { useBrowserSim } from './helpers/browser-sim.js';

/** Issue 15: tags on rows and messages, mark unread, previous/next, clickable links in the text part. */
let ids: string[];
const ui = useBrowserSim({
  viewport: { width: 1280, height: 800 },
  beforeEach: async (sim) => {
    await sim.harness.reset();
    ids = await sendMany(sim, 3, (i) => ({
      from: 'shop@example.com',
      to: 'ann@example.org',
      subject: `Message ${i}`,
      text: `Reset your password at https://shop.example/reset?n=${i}. Questions: mailto:help@shop.example or javascript:alert(${i})`,
    }));
  },
  reset: false,
});

/** Read flags from the list (GET /api/v1/message/ID would itself mark the message read, as Mailpit's does). */
const isRead = async (id: string) => (await getJson<{ messages: MessageSummary[] }>(`${ui.sim.url}/api/v1/messages`)).body.messages.find((m) => m.ID === id)?.Read;

describe('message view extras (chromium)', { timeout: 60_000 }, () => {
  it('tags: added and removed in the message, shown on its row, a click on a row tag searches tag:x', async () => {
    await openLive(ui.page, ui.sim, `/message/${ids[1]}`);
    await ui.page.getByRole('heading', { name: 'Message 1' }).waitFor();
    await ui.page.getByRole('button', { name: 'Add tag' }).click();
    await ui.page.getByLabel('Add tags (comma-separated)').fill('signup, Needs review');
    await ui.page.getByRole('button', { name: 'Add', exact: true }).click();
    // The row shows the tags through the live feed's update {ID, Tags} frame.
    const row = ui.page.locator(`[data-id="${ids[1]}"]`);
    await row.locator('[data-tag="Needs review"]').waitFor();
    await ui.page.getByRole('button', { name: 'Remove tag signup' }).waitFor();
    expect((await getJson<{ messages: MessageSummary[] }>(`${ui.sim.url}/api/v1/messages`)).body.messages.find((m) => m.ID === ids[1])?.Tags.sort()).toEqual(['Needs review', 'signup']);
    await snapshot(ui.page, 'tags-edit');
    await ui.page.getByRole('button', { name: 'Remove tag signup' }).click();
    await expect.poll(() => row.locator('[data-tag]').count()).toBe(1);
    await ui.page.getByRole('button', { name: 'Done' }).click();
    expect(await ui.page.locator('article [data-tag]').allTextContents()).toEqual(['Needs review']);
    // A tag set elsewhere (the API) shows too.
    await fetch(`${ui.sim.url}/api/v1/tags`, { method: 'PUT', body: JSON.stringify({ IDs: [ids[0]], Tags: ['Needs review'] }) });
    await ui.page.locator(`[data-id="${ids[0]}"] [data-tag="Needs review"]`).waitFor();
    // Clicking a row's tag searches it (and does not open that row).
    await row.locator('[data-tag="Needs review"]').click();
    await expect.poll(() => decodeURIComponent(ui.page.url().replace(/\+/g, ' '))).toMatch(/\/\?q=tag:"Needs review"$/);
    await expect.poll(() => ui.page.locator('[data-id]').count()).toBe(2);
    expect(await ui.page.getByRole('searchbox', { name: 'Search messages' }).inputValue()).toBe('tag:"Needs review"');
    await snapshot(ui.page, 'tags-search');
    expect(ui.problems).toEqual([]);
  });

  it('marks unread and steps to the previous and next message, on a phone too', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await ui.page.setViewportSize(viewport);
      await openLive(ui.page, ui.sim, `/message/${ids[1]}`);
      await ui.page.getByRole('heading', { name: 'Message 1' }).waitFor();
      await expect.poll(() => isRead(ids[1]!)).toBe(true);
      await ui.page.getByRole('button', { name: 'Mark unread' }).click();
      await ui.page.getByRole('button', { name: 'Mark read' }).waitFor();
      expect(await isRead(ids[1]!)).toBe(false);
      // Newest first: the previous message is the newer one.
      await ui.page.getByRole('button', { name: 'Newer (previous message)' }).click();
      await ui.page.getByRole('heading', { name: 'Message 2' }).waitFor();
      expect(await ui.page.getByRole('button', { name: 'Newer (previous message)' }).isDisabled()).toBe(true);
      await ui.page.getByRole('button', { name: 'Older (next message)' }).click();
      await ui.page.getByRole('button', { name: 'Older (next message)' }).click();
      await ui.page.getByRole('heading', { name: 'Message 0' }).waitFor();
      expect(await ui.page.getByRole('button', { name: 'Older (next message)' }).isDisabled()).toBe(true);
      await snapshot(ui.page, `message-nav-${viewport.width}`);
      await fetch(`${ui.sim.url}/api/v1/messages`, { method: 'PUT', body: JSON.stringify({ Read: false }) });
    }
    expect(ui.problems).toEqual([]);
  });

  it('makes http(s) and mailto links in the text part clickable, opening safely; other schemes stay text', async () => {
    await openLive(ui.page, ui.sim, `/message/${ids[0]}`);
    await ui.page.getByRole('heading', { name: 'Message 0' }).waitFor();
    await ui.page.getByRole('tab', { name: 'Text' }).click();
    const text = ui.page.locator('pre.text');
    const link = text.getByRole('link', { name: 'https://shop.example/reset?n=0' });
    expect(await link.getAttribute('href')).toBe('https://shop.example/reset?n=0');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await text.getByRole('link', { name: 'mailto:help@shop.example' }).getAttribute('href')).toBe('mailto:help@shop.example');
    expect(await text.getByRole('link').count()).toBe(2);
    expect(await text.textContent()).toContain('javascript:alert(0)');
    await snapshot(ui.page, 'text-links');
    expect(ui.problems).toEqual([]);
  });
});
