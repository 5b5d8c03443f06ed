import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionsList } from '../server/protocol.js';
import { halfClose, sendOne } from './helpers/hostile-smtp.js';
import { getJson, TEST_TLS_DIR } from './helpers/sim.js';
import { spawnMailsim, type Spawned } from './helpers/spawn.js';

// With --log-format json every line about a connection carries its session ID, so a CI log
// can be joined with GET /api/v1/session/ID.
let sim: Spawned;
beforeAll(async () => {
  sim = await spawnMailsim(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', ':memory:', '--tls-dir', TEST_TLS_DIR, '--log-format', 'json', '--log-level', 'trace']);
}, 30_000);
afterAll(() => {
  sim.child.kill('SIGKILL');
});

interface Line {
  level: string;
  msg: string;
  session?: string;
  component?: string;
}

function jsonLines(): Line[] {
  return sim
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
}

describe('JSON log lines of a connection', () => {
  it('carry the session ID, from mailsim and from smtp-server alike', async () => {
    expect(await sendOne(sim.smtpPorts[0]!)).toMatch(/^250 /);
    await halfClose(sim.smtpPorts[0]!, 'EHLO x\r\nNOOP');
    const sessions = await (async () => {
      for (;;) {
        const list = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions`)).body;
        if (list.sessions.length === 2 && list.sessions.every((s) => s.Outcome !== 'active')) return list.sessions;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    for (const session of sessions) {
      const lines = jsonLines().filter((line) => line.session === session.ID);
      expect(lines.find((line) => line.msg === `session closed: ${session.Outcome}`)).toMatchObject({ level: 'debug' });
      expect(lines.some((line) => line.component === 'smtp-server' && line.msg.startsWith('Connection from'))).toBe(true);
    }
  });
});
