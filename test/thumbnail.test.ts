import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// GET /api/v1/message/{ID}/part/{PartID}/thumb: Mailpit's 180×120 JPEG thumbnails.
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());

const png = (width: number, height: number, colour: string) => sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

async function thumbOf(attachments: { Filename: string; Content: string; ContentType?: string }[]) {
  const { body } = await getJson(`${sim.url}/api/v1/send`, {
    method: 'POST',
    body: JSON.stringify({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'pictures', Text: 'x', Attachments: attachments }),
  });
  const message = (await getJson(`${sim.url}/api/v1/message/${body.ID}`)).body;
  return Promise.all(
    message.Attachments.map(async (part: { PartID: string }) => {
      const response = await fetch(`${sim.url}/api/v1/message/${body.ID}/part/${part.PartID}/thumb`);
      const bytes = Buffer.from(await response.arrayBuffer());
      return { status: response.status, type: response.headers.get('content-type'), bytes, meta: await sharp(bytes).metadata(), stats: await sharp(bytes).stats() };
    }),
  );
}

describe('attachment thumbnails', () => {
  it('crops a big image to 180x120, centres a small one on white, and gives a blank for non-images and broken images', async () => {
    const [big, small, text, broken] = await thumbOf([
      { Filename: 'big.png', Content: (await png(800, 300, '#ff0000')).toString('base64') },
      { Filename: 'small.png', Content: (await png(40, 30, '#0000ff')).toString('base64') },
      { Filename: 'notes.txt', Content: Buffer.from('hello').toString('base64'), ContentType: 'text/plain' },
      { Filename: 'broken.png', Content: Buffer.from('not really a png').toString('base64'), ContentType: 'image/png' },
    ]);
    for (const thumb of [big, small, text, broken]) {
      expect(thumb).toMatchObject({ status: 200, type: 'image/jpeg', meta: { format: 'jpeg', width: 180, height: 120 } });
    }
    // Cropped to fill: red everywhere. Small: blue in the middle, white around it. Blank: white.
    const [r, g, b] = big!.stats.channels.map((c: { mean: number }) => c.mean);
    expect(r).toBeGreaterThan(240);
    expect(g! + b!).toBeLessThan(30);
    expect(small!.stats.channels[2]!.mean).toBeGreaterThan(small!.stats.channels[0]!.mean);
    expect(small!.stats.channels[0]!.mean).toBeGreaterThan(200);
    for (const blank of [text, broken]) expect(blank!.stats.channels.every((c: { min: number }) => c.min > 250)).toBe(true);
  });

  it('404 for an unknown message or part', async () => {
    expect((await fetch(`${sim.url}/api/v1/message/nope/part/1/thumb`)).status).toBe(404);
  });
});
