import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './helpers/browser.js';
import { useBrowserSim } from './helpers/browser-sim.js';
import { openLive, sendMany } from './helpers/ui-sim.js';
import type { PageGlobals } from './helpers/page-globals.js';

/**
 * WCAG AA for text on filled buttons (4.5:1), at rest and under the pointer, in both themes.
 * axe checks the resting state; hover is what it cannot see.
 */
const ui = useBrowserSim({ reset: false });

beforeAll(async () => {
  await sendMany(ui.sim, 3, (i) => ({ from: 'app@example.com', to: 'ann@example.org', subject: `Unread ${i}`, text: 'x' }));
});

/** The element's text colour against its own background (or the first opaque one behind it). */
function contrast(locator: Locator): Promise<number> {
  return locator.evaluate((el) => {
    const { getComputedStyle } = globalThis as unknown as PageGlobals;
    const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
    };
    let node: { parentElement: unknown } | null = el;
    let background: number[] = [255, 255, 255];
    while (node) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c[3] ?? 1) > 0.99) {
        background = c;
        break;
      }
      node = node.parentElement as typeof node;
    }
    const a = luminance(parse(getComputedStyle(el).color));
    const b = luminance(background);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}

describe('contrast of filled controls (chromium)', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`reaches 4.5:1 at rest and on hover (${theme})`, async () => {
      const page = await ui.newPage({ width: 1440, height: 900 }, { colorScheme: theme });
      const ratios: Record<string, number> = {};
      await openLive(page, ui.sim, '/scenarios');
      const primary = page.getByRole('button', { name: 'Arm fault' });
      await primary.waitFor();
      ratios['primary'] = await contrast(primary);
      await primary.hover();
      ratios['primary:hover'] = await contrast(primary);
      await snapshot(page, `contrast-primary-hover-${theme}`);

      // To the inbox by its link, as a user goes: the same page, not a second load.
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: /^Inbox/ }).click();
      const badge = page.getByRole('navigation', { name: 'Views' }).locator('.count');
      await badge.waitFor();
      ratios['unread badge'] = await contrast(badge);
      await page.getByRole('button', { name: 'Delete all' }).click();
      const confirm = page.getByRole('button', { name: /Really delete all/ });
      ratios['danger'] = await contrast(confirm);
      await confirm.hover();
      ratios['danger:hover'] = await contrast(confirm);
      await snapshot(page, `contrast-danger-hover-${theme}`);
      await page.getByRole('button', { name: 'Cancel' }).click();
      for (const [what, ratio] of Object.entries(ratios)) expect({ what, ok: ratio >= 4.5, ratio: Math.round(ratio * 100) / 100 }).toMatchObject({ what, ok: true });
    });
  }
});
