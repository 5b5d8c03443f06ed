import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ScenarioInput } from '../../server/faults/schema.js';
import { run, type RunResult } from './processes.js';
import { TEST_TLS_DIR } from './sim.js';

/** What the provider tests share: TLS options for nodemailer and smtplib, built-ins as data, swaks. */
export const CAFILE = join(TEST_TLS_DIR, 'ca.pem');

/** nodemailer on a STARTTLS-required persona: upgrade, trusting mailsim's test CA. */
export const nodemailerTls = () => ({ ignoreTLS: false, requireTLS: true, tls: { ca: readFileSync(CAFILE, 'utf8') } });

/** smtplib lines that upgrade `s` with STARTTLS, trusting mailsim's test CA. */
export const SMTPLIB_STARTTLS = `import ssl\ns.starttls(context=ssl.create_default_context(cafile='${CAFILE}'))`;

/** A built-in scenario file as an inline scenario, to narrow one rule or limit for a test. */
export function builtIn(name: string, rename: string): ScenarioInput & { name: string } {
  const scenario = parse(readFileSync(new URL(`../../scenarios/${name}.yaml`, import.meta.url), 'utf8')) as ScenarioInput;
  return { ...scenario, name: rename };
}

/** swaks over plain SMTP (the installed swaks has no TLS: Net::SSLeay is missing); returns its transcript. */
export function swaks(port: number, args: string[]): Promise<RunResult> {
  return run('swaks', ['--server', '127.0.0.1', '--port', String(port), '--from', 'app@example.com', '--to', 'user@example.org', ...args]);
}

/** curl sending one message with STARTTLS required and mailsim's CA trusted; -v puts the dialogue on stderr. */
export function curlSmtp(port: number, args: string[], message = 'From: app@example.com\r\nSubject: curl\r\n\r\nhello\r\n'): Promise<RunResult> {
  const base = ['-sS', '-v', '--ssl-reqd', '--cacert', CAFILE, `smtp://127.0.0.1:${port}`, '--mail-from', 'app@example.com', '--mail-rcpt', 'user@example.org', '-T', '-'];
  return run('curl', [...base, ...args], message);
}
