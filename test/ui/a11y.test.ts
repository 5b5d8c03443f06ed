import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent } from '../helpers/events.js';
import { RawSmtp } from '../helpers/raw-smtp.js';
import { getJson, type TestSim } from '../helpers/sim.js';
import { countByImpact, describeViolations, type Impact, runAxe } from './helpers/axe.js';
import { launchBrowser } from './helpers/browser.js';
import type { PageGlobals } from './helpers/page-globals.js';
import { startUiSim } from './helpers/ui-sim.js';

/**
 * axe-core on every view, at phone and desktop width, in the light and the dark theme: no
 * serious or critical violation anywhere. The totals per view (all impacts) are written to
 * test-artifacts/axe-totals.json and printed.
 */
let sim: TestSim;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let messageId: string;
let sessionId: string;

const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1440, height: 900 } } as const;
const THEMES = ['light', 'dark'] as const;
/** The root's background in each theme (`--bg` in ui/src/app.css). */
const THEME_BACKGROUND = { light: 'rgb(246, 246, 244)', dark: 'rgb(19, 21, 24)' } as const;
const totals: Record<string, Record<Impact, number>> = {};
/** The same per width and theme: "view width theme" → counts (test-artifacts/axe-cells.json). */
const cells: Record<string, Record<Impact, number>> = {};

beforeAll(async () => {
  [sim, { browser, close: closeBrowser }] = await Promise.all([startUiSim(), launchBrowser()]);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
  for (let i = 0; i < 5; i++) await transport.sendMail({ from: `Sender ${i} <s${i}@example.com>`, to: 'ann@example.org', subject: `Filler ${i}`, text: `filler ${i}` });
  const sent = await transport.sendMail({
    from: 'Shop <shop@example.com>',
    to: 'Ann <ann@example.org>',
    cc: 'bob@example.org',
    subject: '=?UTF-8?Q?Your_order_=E2=9C=93?=',
    text: 'Thanks for your order.',
    html: '<h1>Thanks</h1><p>Your order is on its way.</p>',
    attachments: [{ filename: 'invoice.csv', content: 'a,b\n1,2\n' }],
  });
  transport.close();
  messageId = /queued as (\S+)/.exec(sent.response)?.[1] ?? '';
  // A rejected session (SIZE too large) for the sessions views.
  const smtp = await RawSmtp.open(sim.smtpPort);
  const port = smtp.socket.localPort;
  const closed = nextEvent(sim.harness.bus, 'session.closed', (s) => s.Client.Port === port);
  await smtp.reply();
  await smtp.command('EHLO shop-app');
  await smtp.command('MAIL FROM:<app@example.com> SIZE=999999999999');
  await smtp.command('QUIT');
  sessionId = (await closed).ID;
  // A one-shot fault armed, and one that is used up, for the scenarios view.
  await fetch(`${sim.url}/api/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ when: { phase: 'rcpt' }, count: 2, action: { reply: { code: 450, enhanced: '4.2.1', text: 'Try later' } } }) });
  expect((await getJson(`${sim.url}/api/v1/message/${messageId}`)).status).toBe(200);
});
afterAll(async () => {
  await Promise.all([closeBrowser(), sim.stop()]);
  const dir = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}axe-totals.json`, `${JSON.stringify(totals, null, 2)}\n`);
  writeFileSync(`${dir}axe-cells.json`, `${JSON.stringify(cells, null, 2)}\n`);
  console.log(['axe-core totals per view (critical/serious/moderate/minor, summed over both widths and themes):', ...Object.entries(totals).map(([view, c]) => `  ${view.padEnd(20)} ${c.critical}/${c.serious}/${c.moderate}/${c.minor}`)].join('\n'));
});

interface View {
  name: string;
  path: () => string;
  ready: (page: Page) => Promise<void>;
  /** Runs once before the view is checked (the first-run view empties the inbox). */
  before?: () => Promise<void>;
  /** What its `ready` opened outlives a route change (the header's menu, the app's overlay): the next view is loaded afresh. */
  lingers?: true;
}

const tab = (name: string, shown: (page: Page) => Promise<void>): View => ({
  name: `message ${name}`,
  path: () => `/message/${messageId}`,
  ready: async (page) => {
    await page.getByRole('heading', { name: 'Your order ✓' }).waitFor();
    await page.getByRole('tab', { name: new RegExp(`^${name}`) }).click();
    await shown(page);
  },
});

const VIEWS: View[] = [
  { name: 'inbox', path: () => '/', ready: (page) => page.locator('[data-id]').first().waitFor() },
  tab('HTML', (page) => page.frameLocator('iframe[title^="HTML body"]').getByText('on its way').waitFor()),
  tab('Text', (page) => page.locator('pre.text').waitFor()),
  tab('Headers', (page) => page.getByRole('row', { name: /^Subject/ }).first().waitFor()),
  tab('Raw', (page) => page.locator('pre.raw').waitFor()),
  tab('Envelope', (page) => page.getByRole('link', { name: 'invoice.csv' }).waitFor()),
  tab('Compatibility', (page) => page.getByRole('status').filter({ hasText: 'supported' }).waitFor()),
  {
    name: 'message tags edit',
    path: () => `/message/${messageId}`,
    ready: async (page) => {
      await page.getByRole('heading', { name: 'Your order ✓' }).waitFor();
      await page.getByRole('button', { name: 'Add tag' }).click();
      await page.getByLabel('Add tags (comma-separated)').waitFor();
    },
  },
  { name: 'sessions', path: () => '/sessions', ready: (page) => page.locator('[data-session]').first().waitFor() },
  {
    name: 'sessions search help',
    path: () => '/sessions?q=to:ann',
    ready: async (page) => {
      await page.locator('[data-session]').first().waitFor();
      await page.getByText('Search help').click();
      await page.getByRole('table', { name: 'Session search terms' }).waitFor();
    },
  },
  {
    name: 'inbox search help',
    path: () => '/?q=tag:x',
    ready: async (page) => {
      await page.getByText('Search help').click();
      await page.getByRole('table', { name: 'Message search terms' }).waitFor();
    },
  },
  {
    name: 'settings menu',
    path: () => '/',
    ready: async (page) => {
      await page.locator('[data-id]').first().waitFor();
      await page.getByLabel('Settings', { exact: true }).first().click();
      await page.getByRole('button', { name: 'Reset everything…' }).click();
      await page.getByRole('button', { name: 'Yes, reset everything' }).waitFor();
    },
    lingers: true,
  },
  {
    name: 'shortcuts overlay',
    path: () => '/',
    ready: async (page) => {
      await page.locator('[data-id]').first().waitFor();
      // The ? key: a phone has no ? button in the header (the settings menu lists the shortcuts there).
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    },
    lingers: true,
  },
  { name: 'session detail', path: () => `/sessions/${sessionId}`, ready: (page) => page.getByRole('table', { name: 'SMTP transcript' }).waitFor() },
  { name: 'scenarios', path: () => '/scenarios', ready: (page) => page.locator('tr[data-listener]').first().waitFor() },
  { name: 'stats', path: () => '/stats', ready: (page) => page.locator('tr[data-code]').first().waitFor() },
  // Last: it empties the inbox.
  {
    name: 'first run',
    path: () => '/',
    before: async () => {
      await fetch(`${sim.url}/api/v1/messages`, { method: 'DELETE' });
    },
    ready: (page) => page.locator('pre[data-client]').waitFor(),
  },
];

/**
 * The theme is the UI's `prefers-color-scheme` media query (ui/src/app.css), which only swaps
 * colour custom properties: one page per view and width is switched in place, and axe checks it
 * only once the root's computed background is the theme's (the styles really were recomputed).
 */
async function showTheme(page: Page, theme: (typeof THEMES)[number]): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  await page.waitForFunction(
    ([dark, background]) => {
      const { document, getComputedStyle, matchMedia } = globalThis as unknown as PageGlobals;
      return matchMedia('(prefers-color-scheme: dark)').matches === dark && getComputedStyle(document.documentElement).backgroundColor === background;
    },
    [theme === 'dark', THEME_BACKGROUND[theme]] as const,
  );
}

/**
 * One page per width for all the views, as someone clicking through the UI has: a view is reached
 * by the UI's own route change (history.pushState and a popstate event, which App's links and
 * app.navigate do too), not by loading the page again. A full load costs more than the view's
 * axe runs (new context, the bundle, the live feed, axe's 540 KB evaluated again): 34 loads were
 * most of this file's time. The first view, and the one after a view whose state outlives a
 * route change (`lingers`), is loaded afresh.
 */
const pages = new Map<keyof typeof WIDTHS, Page>();
/** The next view is loaded afresh (the first, the one after a view that `lingers` or failed). */
let loadNext = true;

async function show(width: keyof typeof WIDTHS, view: View, load: boolean): Promise<Page> {
  let page = pages.get(width);
  if (!page || load) {
    page ??= await browser.newPage({ viewport: WIDTHS[width], colorScheme: THEMES[0] });
    pages.set(width, page);
    await page.goto(`${sim.url}${view.path()}`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ state: 'attached' });
  } else {
    await page.evaluate((path) => {
      const { history, dispatchEvent, PopStateEvent } = globalThis as unknown as PageGlobals;
      history.pushState(null, '', path);
      dispatchEvent(new PopStateEvent('popstate'));
    }, view.path());
  }
  await view.ready(page);
  return page;
}

describe('axe-core on every view (chromium)', () => {
  afterAll(async () => {
    for (const page of pages.values()) await page.close();
  });
  for (const view of VIEWS) {
    it(`${view.name}: no serious or critical violation at either width, in either theme`, async () => {
      const sum: Record<Impact, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
      const failures: string[] = [];
      await view.before?.();
      const load = loadNext;
      // A view that fails part-way leaves its pages as they are: the next one loads afresh.
      loadNext = true;
      for (const width of Object.keys(WIDTHS) as Array<keyof typeof WIDTHS>) {
        const page = await show(width, view, load);
        for (const theme of THEMES) {
          await showTheme(page, theme);
          const violations = await runAxe(page);
          const counts = countByImpact(violations);
          cells[`${view.name} ${width} ${theme}`] = counts;
          for (const impact of Object.keys(sum) as Impact[]) sum[impact] += counts[impact];
          const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
          if (bad.length) failures.push(`${width} ${theme}:\n${describeViolations(bad)}`);
          if (violations.length) console.log(`${view.name} ${width} ${theme}:\n${describeViolations(violations)}`);
        }
      }
      loadNext = view.lingers === true;
      totals[view.name] = sum;
      expect(failures.join('\n')).toBe('');
    }, 60_000);
  }
});
