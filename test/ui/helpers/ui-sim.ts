import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import type { ConfigInput } from '../../../server/config/config.js';
import { type SendOptions, startSim, type TestSim } from '../../helpers/sim.js';
import { loadedKept, noteLoaded, routeInApp } from './kept-page.js';
import type { PageGlobals } from './page-globals.js';

/** A mailsim with its web UI and live feed (the harness serves both), on free loopback ports. */
export function startUiSim(config: ConfigInput = {}): Promise<TestSim> {
  return startSim(config);
}

/** Sends `count` messages over one pooled SMTP connection, in order; returns the stored IDs. */
export async function sendMany(sim: TestSim, count: number, make: (i: number) => SendOptions): Promise<string[]> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, pool: true, maxConnections: 1 });
  try {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const sent = await transport.sendMail(make(i));
      ids.push(/queued as (\S+)/.exec(sent.response)?.[1] ?? '');
    }
    return ids;
  } finally {
    transport.close();
  }
}

/** PUTs a scenario (by name or inline) on every listener. */
export async function useScenario(sim: TestSim, body: { Name: string } | { Scenario: unknown }): Promise<void> {
  const response = await fetch(`${sim.url}/api/v1/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`PUT /api/v1/scenario: ${response.status} ${await response.text()}`);
}

/**
 * Opens a path and waits for the live feed, so the page is in its steady state: on a file's kept
 * page that has loaded the UI, through the app's router (kept-page.ts); otherwise a full load.
 */
export async function openLive(page: Page, sim: TestSim, path = '/'): Promise<void> {
  if (loadedKept(page)) await routeInApp(page, path);
  else await page.goto(`${sim.url}${path}`);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ state: 'attached' });
  await noteLoaded(page);
}

/** The part of an element's box inside the viewport, in pixels of height. */
export function visibleHeight(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((el) => {
    const { innerHeight } = globalThis as unknown as PageGlobals;
    const r = el.getBoundingClientRect();
    return Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
  });
}

/** Is (some of) the element inside the viewport? */
export function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).first().evaluate((el) => {
    const { innerHeight, innerWidth } = globalThis as unknown as PageGlobals;
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth && r.height > 0;
  });
}
