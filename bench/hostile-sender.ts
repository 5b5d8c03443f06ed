/**
 * The well-behaved side of bench/hostile.ts, in a process of its own so that building and
 * sending a hostile input (megabytes of it) cannot slow the measurements down: one message per
 * connection back to back, and GET /livez every 25 ms as an outside lag probe.
 *
 * Usage: tsx bench/hostile-sender.ts PORT URL. Prints {"baseline": ms} once warmed up, starts
 * on a "go" line on stdin, and on "stop" prints {"worst", "worstSteps", "sent", "livez", "failures"} and exits.
 */
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const MESSAGE = 'Subject: well-behaved\r\nFrom: app@example.com\r\nTo: user@example.org\r\n\r\nhello\r\n.\r\n';

/**
 * One transaction on a new connection; ms from connect to the 250 after DATA. `steps`, when
 * given, gets the ms each reply took (the banner, then EHLO, MAIL, RCPT, DATA, end of data):
 * a slow transaction says where it waited.
 */
export function transaction(port: number, timeoutMs = 30_000, steps?: number[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const commands = ['EHLO good.test\r\n', 'MAIL FROM:<app@example.com>\r\n', 'RCPT TO:<user@example.org>\r\n', 'DATA\r\n', MESSAGE];
    let last = started;
    let buffer = '';
    let step = 0;
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error('no answer')), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('error', fail);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let match = /(?:^|\n)(\d{3}) [^\n]*\r\n/.exec(buffer); match; match = /(?:^|\n)(\d{3}) [^\n]*\r\n/.exec(buffer)) {
        buffer = buffer.slice(match.index + match[0].length);
        if (!/^[23]/.test(match[1]!)) return fail(new Error(`refused: ${match[0].trim()}`));
        const now = performance.now();
        steps?.push(now - last);
        last = now;
        if (step === commands.length) {
          clearTimeout(timer);
          resolve(performance.now() - started);
          socket.end('QUIT\r\n');
          return;
        }
        socket.write(commands[step++]!);
      }
    });
  });
}

export async function livez(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/livez`, { signal: AbortSignal.timeout(30_000) });
  await response.text();
  if (!response.ok) throw new Error(`livez ${response.status}`);
  return performance.now() - started;
}

/** Runs `probe` back to back until stopped; keeps the worst time and the failures. */
export function loop(probe: () => Promise<number>, pauseMs: number) {
  const state = { worst: 0, count: 0, failures: [] as string[], running: true };
  const done = (async () => {
    while (state.running) {
      try {
        state.worst = Math.max(state.worst, await probe());
        state.count++;
      } catch (error) {
        state.failures.push((error as Error).message);
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return { state, stop: async () => ((state.running = false), await done) };
}

async function main(port: number, url: string): Promise<void> {
  const warm: number[] = [];
  for (let i = 0; i < 30; i++) warm.push(await transaction(port));
  warm.sort((a, b) => a - b);
  console.log(JSON.stringify({ baseline: warm[Math.floor(warm.length / 2)] }));
  let sender: ReturnType<typeof loop> | undefined;
  let probe: ReturnType<typeof loop> | undefined;
  let worstSteps: number[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'go') {
      sender = loop(async () => {
        const steps: number[] = [];
        const ms = await transaction(port, 30_000, steps);
        if (ms > (sender?.state.worst ?? 0)) worstSteps = steps;
        return ms;
      }, 20);
      probe = loop(() => livez(url), 25);
    }
    if (line === 'stop') break;
  }
  // A frozen server never answers; what was measured so far is reported anyway.
  await Promise.race([Promise.all([sender?.stop(), probe?.stop()]), new Promise((resolve) => setTimeout(resolve, 35_000))]);
  const failures = [...(sender?.state.failures ?? []), ...(probe?.state.failures ?? [])];
  console.log(JSON.stringify({ worst: sender?.state.worst ?? 0, worstSteps, sent: sender?.state.count ?? 0, livez: probe?.state.worst ?? 0, failures }));
  process.exit(0);
}

if (process.argv[1]?.endsWith('hostile-sender.ts')) void main(Number(process.argv[2]), process.argv[3] ?? '');
