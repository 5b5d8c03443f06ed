import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * Postfix's C load generator and sink for `npm run bench`. The Node load client shares the
 * machine's two cores with the server under test and takes a large part of them, which depresses
 * every server's figures and the ratios between them; issue 14's table was measured with
 * smtp-source, which costs a few per cent of a core. smtp-source reports no latency, so the bench
 * keeps the Node client for p50/p99 and uses smtp-source for msg/s and CPU per message.
 * smtp-sink (C, discards, greets at once) is the reference row of the issue's table.
 */
export const SMTP_SOURCE = '/usr/sbin/smtp-source';
export const SMTP_SINK = '/usr/sbin/smtp-sink';

/**
 * smtp-source -F sends a file's lines with CRLF appended to each, so the file holds the message
 * with bare LF line ends.
 */
export function writeMessageFile(path: string, message: Buffer): void {
  writeFileSync(path, message.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}

/**
 * Sends `count` messages over `senders` parallel sessions; -d keeps each session for its next
 * message (reuse), without it each message has its own connection. Resolves with the wall time.
 */
export function smtpSource(port: number, senders: number, perMessage: boolean, count: number, messageFile: string): Promise<number> {
  const args = ['-s', String(senders), '-m', String(count), '-F', messageFile, '-f', 'bench@example.com', '-t', 'sink@example.org', '-M', 'bench.example', ...(perMessage ? [] : ['-d']), `127.0.0.1:${port}`];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(SMTP_SOURCE, args, { timeout: 300_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`smtp-source ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(performance.now() - t0);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** smtp-sink on a free port; it refuses to run as root without -u. Resolves once it accepts. */
export async function startSmtpSink(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn(SMTP_SINK, [...asRoot, '-h', 'sink.example', `127.0.0.1:${port}`, '1024'], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let tries = 0; tries < 200; tries++) {
    if (child.exitCode !== null) throw new Error(`smtp-sink exited (${child.exitCode})`);
    if (await accepts(port)) return { child, port };
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill();
  throw new Error('smtp-sink did not start listening');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
