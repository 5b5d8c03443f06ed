import { execFile } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real client program to completion; never throws on a non-zero exit. */
export function run(command: string, args: string[], input?: string, timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs a Python 3 snippet; `args` arrive as sys.argv[1:]. */
export function python(script: string, ...args: string[]): Promise<RunResult> {
  return run('python3', ['-c', script, ...args]);
}
