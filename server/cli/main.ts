#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=25
// The flags cap V8's young generation and how far each isolate's heap may grow past what its last
// full GC kept (1.25x; V8 chose up to 4x on this loaded machine, where GC is slow against the
// program): chosen by `npm run bench:rss -- --flags=...` (issue 14; the tables are in the commits
// that wrote them, and WRITER_HEAP in mail/writer-client.ts has more). With 10,000 stored the
// main thread's heap held 35 MB live in 113 MB under one connection per message; peak RSS went
// 273-281 -> 178-179 MB with the CPU per message within the noise.
import type { ZodError } from 'zod';
import { OPTIONS, usageError } from './option-table.js';
import { helpText, parseCli } from './options.js';
import { CodedError, ERRORS } from '../errors/catalogue.js';
// Loaded on demand, like ./commands.js, the config schema (zod) and the logger (pino): --help,
// and --version load neither and use ~0.14 s of CPU instead of ~0.34 s.
import type { Harness, RunningAddresses } from '../app/harness.js';
import type { Log } from '../ports/log.js';
import { formatHostPort } from '../util/host-port.js';
import { formatSize } from '../util/size.js';
import { VERSION } from '../app/version.js';


/** Where a browser on this machine reaches the UI: an all-interfaces address reads as localhost, as in Mailpit's line. */
function accessibleUrl(running: RunningAddresses, webroot: string): string {
  const { address, port } = running.http;
  const host = address === '0.0.0.0' || address === '::' ? 'localhost' : address;
  return `http://${formatHostPort({ host, port })}${webroot}`;
}

function banner(harness: Harness, running: RunningAddresses): string[] {
  const { config } = harness;
  // Without the final slash, so "<url>/api/v1/messages" reads right with and without --webroot.
  const httpUrl = `http://${formatHostPort({ host: running.http.address, port: running.http.port })}${config.webroot.slice(0, -1)}`;
  return [
    `mailsim ${VERSION}`,
    ...running.smtp.map((smtp) => `  SMTP  ${formatHostPort({ host: smtp.address, port: smtp.port })}`),
    ...(running.pop3 ? [`  POP3  ${formatHostPort({ host: running.pop3.address, port: running.pop3.port })}  (${config.pop3?.mode ?? 'starttls'})`] : []),
    `  HTTP  ${httpUrl}  (REST API: ${httpUrl}/api/v1/messages)`,
    `  DB    ${config.db}  (${harness.mailbox.messages.count} messages; keeps ${config.maxMessages}, max size ${formatSize(config.maxMessageSize)})`,
    // Mailpit's own words: container wait strategies written for Mailpit wait for "accessible via".
    `[http] accessible via ${accessibleUrl(running, config.webroot)}`,
    'Ready. Press Ctrl+C to stop.',
  ];
}

async function serve(harness: Harness, log: Log): Promise<void> {
  // Handlers go in before anything is printed: a supervisor that reads "Ready." and signals at
  // once must not meet the default SIGINT disposition (instant death, no clean close).
  const shutdown = (signal: string) => {
    log.info(`${signal}: finishing open transactions and closing`);
    harness.stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.warn(`shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  let running: RunningAddresses;
  try {
    running = await harness.start();
  } catch (error) {
    await harness.stop().catch(() => {});
    throw error;
  }
  // The banner is for the person at the terminal (stdout); the log (stderr) gets one structured line.
  if (!harness.config.quiet) process.stdout.write(`${banner(harness, running).join('\n')}\n`);
  if (harness.config.logFormat === 'json') {
    const url = accessibleUrl(running, harness.config.webroot);
    const pop3 = running.pop3 && formatHostPort({ host: running.pop3.address, port: running.pop3.port });
    log.info('ready', { smtp: running.smtp.map((s) => formatHostPort({ host: s.address, port: s.port })), ...(pop3 && { pop3 }), http: formatHostPort({ host: running.http.address, port: running.http.port }), url });
  }
}

function explain(error: unknown, isZodError: (error: unknown) => error is ZodError): string {
  if (isZodError(error)) {
    return error.issues
      .map((issue) => `--${OPTIONS.find((o) => o.key === issue.path[0])?.flag ?? issue.path.join('.')}: ${issue.message}`)
      .join('\n');
  }
  const { code, message, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (code === 'EADDRINUSE') return `${address}:${port} is already in use; choose another port (port 0 picks a free one)`;
  if (code === 'EACCES') return `not allowed to listen on ${address}:${port}; ports below 1024 need privileges`;
  return message;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  // `mailsim wait` has options of its own, so it is dispatched before the server's parsing.
  if (argv[0] === 'wait') {
    const { waitCommand } = await import('./wait.js');
    return waitCommand(argv.slice(1), env, { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) });
  }
  const cli = parseCli(argv, env);
  if (cli.help) {
    process.stdout.write(helpText(VERSION));
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const print = (line: string) => process.stdout.write(`${line}\n`);
  if (cli.command === 'validate') return (await import('./commands.js')).validateCommand(cli.positionals, print);
  if (cli.command === 'schema') return (await import('./commands.js')).schemaCommand(print);
  const { configSchema } = await import('../config/config.js');
  if (cli.command === 'cert') {
    const { tlsDir, hostname } = configSchema.parse(cli.config);
    return (await import('./commands.js')).certCommand(tlsDir, hostname, print);
  }
  if (cli.command !== undefined) throw usageError(`unknown command "${cli.command}" (see mailsim --help)`);
  const config = configSchema.parse(cli.config);
  // --quiet keeps its old meaning (warnings and errors only) unless a log level is asked for.
  const level = config.quiet && cli.config.logLevel === undefined ? 'warn' : config.logLevel;
  const { createLog } = await import('../log/pino-log.js');
  const log = createLog({ level, format: config.logFormat });
  for (const warning of cli.warnings) log.warn(warning);
  const { Harness } = await import('../app/harness.js');
  await serve(new Harness(config, log), log);
  return undefined;
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  async (error: unknown) => {
    // zod's own class, from the module the config schema was built with (loaded by now if it threw).
    const { ZodError } = await import('zod');
    const isZodError = (e: unknown): e is ZodError => e instanceof ZodError;
    process.stderr.write(`mailsim: ${explain(error, isZodError)}\n`);
    // A bad option (zod refused the config) is a usage error too.
    process.exit(error instanceof CodedError ? error.exitCode : isZodError(error) ? ERRORS.BAD_REQUEST.exit : 1);
  },
);
