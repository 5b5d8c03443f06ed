import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, type Transporter } from '../helpers/sim.js';
import { snapshot } from './helpers/browser.js';
import { openLive } from './helpers/ui-sim.js';
import { useBrowserSim } from './helpers/browser-sim.js';

/** The message view's Simulate menu (issue 13 item 4): reply, out-of-office, bounce and spam complaint, in chromium. */
let transport: Transporter;
const ui = useBrowserSim({ viewport: { width: 1280, height: 800 } });

beforeAll(() => {
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true });
});
afterAll(() => {
  transport.close();
});

async function sendOriginal(): Promise<string> {
  const sent = await transport.sendMail({
    envelope: { from: 'bounce@app.example', to: ['customer@example.org'] },
    from: 'Sales <sales@app.example>',
    to: 'customer@example.org',
    replyTo: 'catchall@app.example',
    subject: 'Quote S00042',
    text: 'Here is your quote.',
  });
  return /queued as (\S+)/.exec(sent.response)?.[1] ?? '';
}

async function simulate(item: string): Promise<void> {
  // The menu is a <details>: open it unless it is still open from the last action.
  if (!(await ui.page.locator('details.simulate').evaluate((el) => (el as unknown as { open: boolean }).open))) await ui.page.getByText('Simulate', { exact: true }).click();
  await ui.page.getByRole('button', { name: item, exact: true }).click();
}

describe('Simulate menu (chromium)', () => {
  it('a reply is stored, announced and opened; it went to the Reply-To', async () => {
    const id = await sendOriginal();
    await openLive(ui.page, ui.sim, `/message/${id}`);
    await ui.page.getByRole('heading', { name: 'Quote S00042' }).waitFor();
    await simulate('Reply');
    await ui.page.getByRole('status').filter({ hasText: 'Reply stored.' }).waitFor();
    await ui.page.getByRole('button', { name: 'Open it' }).click();
    await ui.page.getByRole('heading', { name: 'Re: Quote S00042' }).waitFor();
    await ui.page.getByText('catchall@app.example').first().waitFor();
    const { body } = await getJson(`${ui.sim.url}/api/v1/messages`);
    expect(body.messages.map((m: { Subject: string; Tags: string[] }) => [m.Subject, m.Tags])).toEqual([['Re: Quote S00042', ['simulated']], ['Quote S00042', []]]);
    expect(ui.problems).toEqual([]);
  });

  it("an Outlook out-of-office goes to the envelope sender; a bounce is stored or its absence explained", async () => {
    const id = await sendOriginal();
    await openLive(ui.page, ui.sim, `/message/${id}`);
    await ui.page.getByRole('heading', { name: 'Quote S00042' }).waitFor();
    await simulate('Out-of-office (Outlook)');
    await ui.page.getByRole('status').filter({ hasText: 'Out-of-office reply stored.' }).waitFor();
    const { body } = await getJson(`${ui.sim.url}/api/v1/message/latest`);
    expect(body).toMatchObject({ Subject: 'Automatic reply: Quote S00042', To: [{ Address: 'bounce@app.example' }] });

    await simulate('Bounce for this message');
    await ui.page.getByRole('status').filter({ hasText: 'Bounce stored.' }).waitFor();
    const bounce = await getJson(`${ui.sim.url}/api/v1/message/latest`);
    expect(bounce.body).toMatchObject({ IsBounce: true, To: [{ Address: 'bounce@app.example' }], Bounce: { OriginalID: id } });
    expect(ui.problems).toEqual([]);
  });

  it('a spam complaint is a spam event for each recipient and stores no message', async () => {
    const id = await sendOriginal();
    await openLive(ui.page, ui.sim, `/message/${id}`);
    await ui.page.getByRole('heading', { name: 'Quote S00042' }).waitFor();
    await simulate('Simulate a spam complaint');
    await ui.page.getByRole('status').filter({ hasText: 'Spam complaint from customer@example.org sent as a spam event.' }).waitFor();
    const { body } = await getJson(`${ui.sim.url}/api/v1/messages`);
    expect(body.messages.map((m: { ID: string }) => m.ID)).toEqual([id]);
    expect(ui.problems).toEqual([]);
  });

  it('on a phone the open menu stays on the screen', async () => {
    await ui.page.setViewportSize({ width: 390, height: 844 });
    const id = await sendOriginal();
    await openLive(ui.page, ui.sim, `/message/${id}`);
    await ui.page.getByRole('heading', { name: 'Quote S00042' }).waitFor();
    await ui.page.getByText('Simulate', { exact: true }).click();
    const box = (await ui.page.locator('details.simulate .panel').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await snapshot(ui.page, 'message-simulate-menu-phone');
  });
});
