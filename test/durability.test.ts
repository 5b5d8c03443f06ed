import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessagesSummary } from '../server/protocol.js';
import { getJson } from './helpers/sim.js';
import { spawnMailsim, type Spawned } from './helpers/spawn.js';

const running: Spawned[] = [];
afterEach(() => {
  for (const proc of running.splice(0)) proc.child.kill('SIGKILL');
});

describe('durability', () => {
  // 300 committed messages and two starts: ~10 s on a quiet machine, over the default 20 s on a
  // busy one. The work is the point of the test, so it gets the time.
  it('loses no acknowledged message when the server is killed with SIGKILL mid-stream', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mailsim-kill-')), 'mailsim.db');
    const args = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', db];
    const first = await spawnMailsim(args);
    running.push(first);

    const acknowledged = new Set<string>();
    const KILL_AFTER = 300;
    let killed = false;
    const sender = async (worker: number) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: first.smtpPorts[0], ignoreTLS: true, pool: true, maxConnections: 1 });
      for (let n = 0; !killed; n++) {
        try {
          const info = await transport.sendMail({ from: 'load@example.com', to: 'sink@example.org', subject: `w${worker} #${n}`, text: 'x'.repeat(2048) });
          // The ID in "250 ... queued as <ID>" is only sent after the commit.
          acknowledged.add(info.response.split(' ').pop()!);
          if (acknowledged.size >= KILL_AFTER && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch (error) {
          // Only the kill may interrupt a send.
          if (!killed) throw error;
        }
      }
      transport.close();
    };
    await Promise.all([0, 1, 2, 3].map(sender));
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);

    const second = await spawnMailsim(args);
    running.push(second);
    const stored = (await getJson<MessagesSummary>(`${second.url}/api/v1/messages?limit=10000`)).body;
    const storedIds = new Set(stored.messages.map((m) => m.ID));
    const missing = [...acknowledged].filter((id) => !storedIds.has(id));
    expect(missing).toEqual([]);
    // Nothing the server had not acknowledged is stored twice or half-written either.
    expect(stored.total).toBe(storedIds.size);
    expect(stored.total - acknowledged.size).toBeLessThanOrEqual(4);
    // The pooled connections open at the kill are recorded as cut off, not left "active".
    const sessions = (await getJson<{ total: number }>(`${second.url}/api/v1/sessions?outcome=interrupted`)).body;
    expect(sessions.total).toBeGreaterThanOrEqual(1);
    expect((await getJson<{ total: number }>(`${second.url}/api/v1/sessions?outcome=active`)).body.total).toBe(0);
  }, 60_000);
});
