import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { describeViolations, runAxe } from './helpers/axe.js';
import { useBrowserSim } from './helpers/browser-sim.js';

/** The message view's Authentication tab over a real DKIM signature and declared DNS. */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DNS = {
  'example.com': { TXT: 'v=spf1 ip4:127.0.0.1 -all' },
  'mail._domainkey.example.com': { TXT: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}` },
  '_dmarc.example.com': { TXT: 'v=DMARC1; p=none' },
};

const ui = useBrowserSim({
  viewport: { width: 1280, height: 900 },
  config: () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-auth-ui-'));
    writeFileSync(join(dir, 'auth.yaml'), stringify({ dns: DNS }));
    return { scenarios: dir, scenario: 'auth' };
  },
});

describe('Authentication tab (chromium)', { timeout: 60_000 }, () => {
  it('shows DKIM, SPF and DMARC verdicts with their reasons, and the best practices', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true, name: 'client.example.com' });
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
    await ui.page.goto(`${ui.sim.url}/message/${id}`);
    await ui.page.getByRole('tab', { name: 'Authentication' }).click();
    const dkim = ui.page.getByRole('row', { name: /^DKIM pass/ });
    await dkim.waitFor();
    expect(await dkim.textContent()).toContain('d=example.com s=mail');
    expect(await ui.page.getByRole('row', { name: /^SPF pass/ }).textContent()).toContain('designates 127.0.0.1 as permitted sender');
    expect(await ui.page.getByRole('row', { name: /^DMARC pass/ }).textContent()).toContain('example.com, p=none');
    // Precedence: bulk without List-Unsubscribe.
    expect(await ui.page.getByRole('row', { name: /^list-unsubscribe fail/ }).textContent()).toContain('RFC 2369');
    const serious = (await runAxe(ui.page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious, describeViolations(serious)).toEqual([]);
    expect(ui.problems).toEqual([]);
  });
});
