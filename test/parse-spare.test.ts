import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParsePool } from '../server/mail/parse-pool.js';

// Issue 14 (peak RSS): the spare parse thread starts when the first is stuck on a slow parse, not
// with the first thread's first job (a parse thread holds 12-17 MB).
let pool: ParsePool | undefined;
let dir: string | undefined;
afterEach(async () => {
  await pool?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  pool = dir = undefined;
});

function start(): ParsePool {
  dir = mkdtempSync(join(tmpdir(), 'mailsim-spare-'));
  // Summaries never read the database: the path is only there for opening messages.
  return (pool = new ParsePool({ path: join(dir, 'mailsim.db'), threads: 2, timeoutMs: 60_000 }));
}

const message = (subject: string) => Buffer.from(`Subject: ${subject}\r\nFrom: a@example.com\r\nContent-Type: text/plain\r\n\r\nbody\r\n`);

describe('the spare parse thread', () => {
  it('is not started while no parse is slow', { timeout: 30_000 }, async () => {
    const parsers = start();
    for (let i = 0; i < 5; i++) {
      const { parsed } = await parsers.summarize(message(`m${i}`));
      expect(parsed.subject).toBe(`m${i}`);
    }
    // (Jobs queued at once would start it whenever the first waits 100 ms for a core: on a loaded
    // machine that is not a slow parse but still counts as one.)
    expect(parsers.threads).toBe(1);
  });

  it('starts when the first thread is stuck, and every message is answered', { timeout: 30_000 }, async () => {
    const parsers = start();
    await parsers.summarize(message('warm'));
    expect(parsers.threads).toBe(1);
    // ~100,000 header fields take mailparser seconds: far past SLOW_PARSE_MS (100 ms).
    const junk = Array.from({ length: 100_000 }, (_, i) => `X-Junk-${i}: v`).join('\r\n');
    const slow = parsers.summarize(Buffer.from(`Subject: slow\r\n${junk}\r\n\r\nbody\r\n`));
    // Which of the two threads answers this one depends on how fast the spare starts.
    const { parsed } = await parsers.summarize(message('behind the slow one'));
    expect(parsed.subject).toBe('behind the slow one');
    expect(parsers.threads).toBe(2);
    expect((await slow).parsed.subject).toBe('slow');
  });
});
