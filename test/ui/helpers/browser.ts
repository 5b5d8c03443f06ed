import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type LaunchOptions, type Page } from 'playwright-core';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
export const CHROMIUM = process.env.MAILSIM_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Debian's chromium, headless, with its background networking off (it must not reach anything
 * beyond loopback). Playwright gives every launch a fresh temporary profile.
 */
export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
};

/** Set by test/helpers/browser-server.ts (globalSetup): where a test process asks for the run's chromium. */
export const BROWSER_ENDPOINT_ENV = 'MAILSIM_TEST_BROWSER_ENDPOINT';

/**
 * The run's one chromium (test/helpers/browser-server.ts launches it on first use), connected to
 * from this test file; outside such a run (another config), a chromium of its own. Every page a
 * test opens with `browser.newPage()` is a fresh context: its own cookies, storage and cache, as
 * with a browser of its own. `close` closes this file's contexts, and the browser only if it
 * launched it.
 */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const endpoint = process.env[BROWSER_ENDPOINT_ENV];
  if (!endpoint) {
    const browser = await chromium.launch(CHROMIUM_LAUNCH);
    return { browser, close: () => browser.close() };
  }
  const response = await fetch(endpoint);
  if (!response.ok) throw new Error(`the run's chromium did not start: ${await response.text()}`);
  const browser = await chromium.connect(await response.text());
  return { browser, close: () => browser.close() };
}

/** Saves a screenshot under test-artifacts/ (git-ignored). */
export async function snapshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Collects page errors and the page's own CSP violations; a test asserts they stay empty. */
export async function watchProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.exposeFunction('__reportViolation', (text: string) => problems.push(`csp: ${text}`));
  await page.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => window.__reportViolation(e.violatedDirective + ' ' + e.blockedURI));",
  });
  return problems;
}
