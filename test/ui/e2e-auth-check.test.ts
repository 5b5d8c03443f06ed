import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { TestSim } from '../helpers/sim.js';
import { describeViolations, runAxe } from './helpers/axe.js';
import { launchBrowser, watchProblems } from './helpers/browser.js';
import { startUiSim } from './helpers/ui-sim.js';

/** The message view's Authentication tab over a real DKIM signature and declared DNS. */
let sim: TestSim;
let browser: Browser;
let closeBrowser: () => Promise<void>;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DNS = {
  'example.com': { TXT: 'v=spf1 ip4:127.0.0.1 -all' },
  'mail._domainkey.example.com': { TXT: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}` },
  '_dmarc.example.com': { TXT: 'v=DMARC1; p=none' },
};

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-auth-ui-'));
  writeFileSync(join(dir, 'auth.yaml'), stringify({ dns: DNS }));
  [sim, { browser, close: closeBrowser }] = await Promise.all([startUiSim({ scenarios: dir, scenario: 'auth' }), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([closeBrowser(), sim.stop()]);
});

describe('Authentication tab (chromium)', { timeout: 60_000 }, () => {
  it('shows DKIM, SPF and DMARC verdicts with their reasons, and the best practices', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, name: 'client.example.com' });
    const sent = await transport.sendMail({
      from: 'news@example.com',
      to: 'ann@example.org',
      subject: 'Signed',
      text: 'Hello',
      headers: { Precedence: 'bulk' },
      dkim: { domainName: 'example.com', keySelector: 'mail', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    });
    transport.close();
    const id = /queued as (\S+)/.exec(sent.response)?.[1] ?? '';
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = await watchProblems(page);
    await page.goto(`${sim.url}/message/${id}`);
    await page.getByRole('tab', { name: 'Authentication' }).click();
    const dkim = page.getByRole('row', { name: /^DKIM pass/ });
    await dkim.waitFor();
    expect(await dkim.textContent()).toContain('d=example.com s=mail');
    expect(await page.getByRole('row', { name: /^SPF pass/ }).textContent()).toContain('designates 127.0.0.1 as permitted sender');
    expect(await page.getByRole('row', { name: /^DMARC pass/ }).textContent()).toContain('example.com, p=none');
    // Precedence: bulk without List-Unsubscribe.
    expect(await page.getByRole('row', { name: /^list-unsubscribe fail/ }).textContent()).toContain('RFC 2369');
    const serious = (await runAxe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious, describeViolations(serious)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
