import { type ChildProcess, spawn } from 'node:child_process';
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
