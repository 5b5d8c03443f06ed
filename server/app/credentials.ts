import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { CodedError } from '../errors/catalogue.js';
import { Htpasswd, HtpasswdError } from '../util/htpasswd.js';
import { BcryptPool } from './bcrypt-pool.js';

export interface Credentials {
  /** HTTP basic auth for the UI, the API and the WebSocket: --ui-auth, --ui-auth-file, MP_UI_AUTH. */
  ui: Htpasswd | undefined;
  /** Checked at SMTP AUTH before the scenario decides: --smtp-auth-file, MP_SMTP_AUTH. */
  smtp: Htpasswd | undefined;
  /** POP3 logins (user = the mailbox address): --pop3-auth-file, MP_POP3_AUTH; any password without. */
  pop3: Htpasswd | undefined;
  /** Stops the bcrypt thread they share. */
  close(): Promise<void>;
}

/**
 * Reads the auth files once, at start-up, as Mailpit does: a file that is missing or has a line
 * mailsim cannot use stops the start with the option, file and line named (exit 2), rather than
 * leaving a listener open to everyone.
 */
export function loadCredentials(config: Config): Credentials {
  // bcrypt runs on its own thread: a cost-12 compare is ~1 s of CPU, which on the event loop
  // would hold every SMTP session and API request (bcrypt-thread.ts).
  const bcrypt = new BcryptPool();
  return {
    ui: combine('ui', config.uiAuthFile, config.uiAuthText, config.uiAuth)?.withBcrypt(bcrypt.compare),
    smtp: combine('smtp', config.smtpAuthFile, config.smtpAuthText)?.withBcrypt(bcrypt.compare),
    pop3: combine('pop3', config.pop3AuthFile, config.pop3AuthText)?.withBcrypt(bcrypt.compare),
    close: () => bcrypt.close(),
  };
}

function combine(
  kind: 'ui' | 'smtp' | 'pop3',
  file: string | undefined,
  text: string | undefined,
  single?: { user: string; password: string },
): Htpasswd | undefined {
  const parts: Htpasswd[] = [];
  // --ui-auth USER:PASSWORD is a plain entry; its password may hold colons or look like a hash.
  if (single) parts.push(Htpasswd.plain(single.user, single.password));
  if (text) parts.push(parse(text, `MP_${kind.toUpperCase()}_AUTH`, `MP_${kind.toUpperCase()}_AUTH`));
  if (file) parts.push(parse(read(file, kind), file, `--${kind}-auth-file`));
  return parts.length ? Htpasswd.merge(parts) : undefined;
}

function read(file: string, kind: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CodedError('BAD_REQUEST', `--${kind}-auth-file: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function parse(text: string, source: string, option: string): Htpasswd {
  try {
    return Htpasswd.parse(text, source);
  } catch (error) {
    if (error instanceof HtpasswdError) throw new CodedError('BAD_REQUEST', `${option}: ${error.message}`, { cause: error });
    throw error;
  }
}
