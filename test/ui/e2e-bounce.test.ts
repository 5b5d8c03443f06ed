import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { getJson } from '../helpers/sim.js';
import { openLive } from './helpers/ui-sim.js';
import { useBrowserSim } from './helpers/browser-sim.js';

/** A bounce and its original link to each other in the message view (BounceInfo.svelte). */
const ui = useBrowserSim({ viewport: { width: 1280, height: 800 } });

describe('bounce links (chromium)', () => {
  it('a bounce shows "Bounce of <original>" with its status; the original shows "Bounced: 1"; the links navigate', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ui.sim.smtpPort, ignoreTLS: true });
    const sent = await transport.sendMail({ from: 'app@example.com', to: 'gone@example.org', subject: 'Invoice 9', text: 'hello', messageId: '<inv9@app.example>' });
    transport.close();
    const originalId = /queued as (\S+)/.exec(sent.response)![1]!;
    const bounce = await getJson(`${ui.sim.url}/api/v1/message/${originalId}/bounce`, { method: 'POST', body: JSON.stringify({ Reply: '550 5.1.1 <gone@example.org>: user unknown' }) });
    expect(bounce.status).toBe(201);
    await openLive(ui.page, ui.sim, `/message/${bounce.body.ID}`);
    const note = ui.page.getByRole('note', { name: 'Bounce' });
    await note.waitFor();
    expect(await note.innerText()).toMatch(/Bounce of <inv9@app\.example>[\s\S]*5\.1\.1[\s\S]*550 5\.1\.1 <gone@example\.org>: user unknown/);
    await note.getByRole('link', { name: '<inv9@app.example>' }).click();
    await ui.page.getByRole('heading', { name: 'Invoice 9' }).waitFor();
    const bounced = ui.page.getByRole('note', { name: 'Bounces' });
    expect(await bounced.innerText()).toMatch(/Bounced: 1/);
    await bounced.getByRole('link', { name: 'bounce 1' }).click();
    await ui.page.getByRole('note', { name: 'Bounce' }).waitFor();
    expect(ui.problems).toEqual([]);
  });
});
