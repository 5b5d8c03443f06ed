import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type TestSim } from './helpers/sim.js';

/** GET /api/v1/message/{ID}/raw answers one byte range, so the UI can show the head of a big source. */
let sim: TestSim;
let id: string;
let raw: Buffer;

beforeAll(async () => {
  sim = await startSim();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
  const sent = await transport.sendMail({ from: 'app@example.com', to: 'ann@example.org', subject: 'Ranged', text: 'é'.repeat(5000) });
  transport.close();
  id = /queued as (\S+)/.exec(sent.response)![1]!;
  raw = Buffer.from(await (await fetch(`${sim.url}/api/v1/message/${id}/raw`)).arrayBuffer());
});
afterAll(() => sim.stop());

const get = (range?: string) => fetch(`${sim.url}/api/v1/message/${id}/raw`, range ? { headers: { Range: range } } : {});

describe('raw source byte ranges', () => {
  it('answers the head of the source with 206 and its place in the whole', async () => {
    const response = await get('bytes=0-99');
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 0-99/${raw.length}`);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(raw.subarray(0, 100));
    // curl, a real client, sees the same.
    // (Asynchronously: the server runs in this process.)
    const { stdout } = await promisify(execFile)('curl', ['-s', '-r', '0-9', `${sim.url}/api/v1/message/${id}/raw`], { encoding: 'buffer' });
    expect(stdout).toEqual(raw.subarray(0, 10));
  });

  it('clamps a range past the end, refuses one that starts past it, and ignores what it does not serve', async () => {
    const tail = await get(`bytes=${raw.length - 5}-${raw.length + 1000}`);
    expect(tail.status).toBe(206);
    expect((await tail.arrayBuffer()).byteLength).toBe(5);
    const beyond = await get(`bytes=${raw.length}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${raw.length}`);
    for (const header of ['bytes=0-1,5-9', 'lines=0-10', 'bytes=garbage']) {
      const whole = await get(header);
      expect(whole.status).toBe(200);
      expect((await whole.arrayBuffer()).byteLength).toBe(raw.length);
    }
    expect((await get()).headers.get('accept-ranges')).toBe('bytes');
  });
});
