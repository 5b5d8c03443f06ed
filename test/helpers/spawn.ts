import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  smtpPorts: number[];
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the real CLI and waits for its "Ready." line. */
export async function spawnMailsim(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Spawned> {
  const child = runCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stdout.includes('Ready.')) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then(({ code }) => reject(new Error(`mailsim exited (${code}) before it was ready:\n${stdout}${stderr}`)));
  });
  const smtpPorts = [...stdout.matchAll(/^ {2}SMTP {2}\S+:(\d+)$/gm)].map((m) => Number(m[1]));
  const url = /HTTP {2}(http:\/\/\S+)/.exec(stdout)?.[1] ?? '';
  return { child, smtpPorts, url, output: () => stdout + stderr, exited };
}

/** The built CLI, as `npm start` and the installed `mailsim` run it (test/helpers/global-setup.ts builds it). */
export const CLI = 'dist/server/cli/main.js';

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Loaded into the CLI's process with --import: writes the address of each socket it listens on to
 * file descriptor 3, through Node's own diagnostics channel. A test learns the ports a silent
 * (--quiet) mailsim picked for port 0 without reading its output.
 */
const REPORT_LISTENING = `data:text/javascript,${encodeURIComponent(`
import { tracingChannel } from 'node:diagnostics_channel';
import { writeSync } from 'node:fs';
tracingChannel('net.server.listen').subscribe({ asyncEnd: ({ server }) => writeSync(3, JSON.stringify(server.address()) + '\\n') });
`)}`;

export interface Reporting {
  child: ChildProcess;
  /** The ports the process listens on, in the order it opened them. */
  listening(count: number, timeoutMs?: number): Promise<number[]>;
}

/** Runs the CLI with its listening sockets reported on a side channel (see REPORT_LISTENING). */
export function runCliReporting(args: string[], env: NodeJS.ProcessEnv = {}): Reporting {
  const child = spawn(process.execPath, ['--import', REPORT_LISTENING, CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const ports: number[] = [];
  const waiters: Array<() => void> = [];
  let text = '';
  (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
      ports.push((JSON.parse(text.slice(0, end)) as { port: number }).port);
      text = text.slice(end + 1);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const listening = (count: number, timeoutMs = 10_000) =>
    new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${ports.length} of ${count} listeners opened within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (ports.length < count) return void waiters.push(check);
        clearTimeout(timer);
        resolve(ports.slice(0, count));
      };
      check();
    });
  return { child, listening };
}

/** Runs the CLI to completion and returns what it printed. */
export async function runCliToEnd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = runCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

/**
 * Resolves once the process has printed `text` (stdout or stderr); fails when it exits first or
 * after `timeoutMs`. For what comes after "Ready." (the JSON ready line goes to stderr after it).
 */
export function printed(proc: Spawned, text: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      proc.child.stdout!.off('data', check);
      proc.child.stderr!.off('data', check);
    };
    const check = () => {
      if (!proc.output().includes(text)) return;
      stop();
      resolve();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`mailsim did not print ${JSON.stringify(text)} within ${timeoutMs} ms:\n${proc.output()}`));
    }, timeoutMs);
    proc.child.stdout!.on('data', check);
    proc.child.stderr!.on('data', check);
    void proc.exited.then(({ code }) => {
      if (!proc.output().includes(text)) {
        stop();
        reject(new Error(`mailsim exited (${code}) before it printed ${JSON.stringify(text)}:\n${proc.output()}`));
      }
    });
    check();
  });
}
