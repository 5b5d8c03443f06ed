import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { createRequire } from 'node:module';

/**
 * apache-md5 is CommonJS (`module.exports = function`) but its typings declare a default export,
 * which NodeNext types as the module object; required, it is the function its typings describe.
 */
const aprMd5 = createRequire(import.meta.url)('apache-md5') as (password: string, salt?: string) => string;

/** What a client revealed: the password (PLAIN, LOGIN, HTTP basic) or only a way to test one (CRAM-MD5). */
export interface OfferedSecret {
  password?: string | undefined;
  /** CRAM-MD5 (RFC 2195) never sends the password: smtp-server tests a candidate against the digest. */
  validatePassword?: ((candidate: string) => boolean) | undefined;
}

/** What the SMTP listener and the HTTP checks ask of an auth file (--smtp-auth-file, --ui-auth-file). */
export interface CredentialCheck {
  /** Never rejects: an unknown user or a wrong secret is `false`. */
  verify(user: string, secret: OfferedSecret): Promise<boolean>;
  /** How many users it lists. */
  readonly size: number;
}

type Scheme = 'bcrypt' | 'apr1' | 'sha' | 'ssha' | 'plain';

interface Entry {
  hash: string;
  scheme: Scheme;
}

/** A line mailsim cannot use; `line` counts from 1. */
const onThisThread: BcryptCompare = (password, hash) => bcrypt.compare(password, hash);

export class HtpasswdError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    message: string,
  ) {
    super(`${source}:${line}: ${message}`);
    this.name = 'HtpasswdError';
  }
}

/**
 * The schemes Apache's htpasswd writes, as Mailpit (go-htpasswd) reads them: bcrypt (-B), Apache
 * MD5 (the default), SHA-1 (-s), salted SHA-1, and plain text (-p) for anything else. crypt(3)
 * hashes ($1$, $5$, $6$, -d) have no implementation in Node, so they are refused by name rather
 * than taken for plain passwords that could never match.
 */
function schemeOf(hash: string): Scheme | string {
  if (/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (hash.startsWith('$apr1$')) return 'apr1';
  if (hash.startsWith('{SHA}')) return 'sha';
  if (hash.startsWith('{SSHA}')) return 'ssha';
  const crypt = /^\$(1|5|6|y|gy|7)\$/.exec(hash);
  if (crypt) return `crypt(3) $${crypt[1]}$ hashes are not supported; use bcrypt (htpasswd -B)`;
  return 'plain';
}

const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest();
const digest = (text: string) => createHash('sha256').update(text).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * A bcrypt check costs 12 ms at htpasswd -B's cost 5 and 250 ms at cost 10 (bcryptjs, measured on
 * a loaded 2-core machine); a browser sends credentials with every request.
 */
const CACHE_LIMIT = 256;

/**
 * An htpasswd file: `user:hash` entries, one per line or several separated by white space (as
 * Mailpit's MP_UI_AUTH="user1:pass1 user2:pass2"); empty lines and `#` comments are skipped.
 */
export class Htpasswd implements CredentialCheck {
  readonly #entries = new Map<string, Entry>();
  /** sha256(user, password, hash) of recent successes, so a verified browser pays once. */
  readonly #verified = new Set<string>();
  /** Checks under way by the same key: a pool logging in 20 times at once pays for one bcrypt. */
  readonly #checking = new Map<string, Promise<boolean>>();
  /** Where bcrypt runs: a worker thread in the server (app/bcrypt-pool.ts); bcryptjs here otherwise. */
  #bcrypt: BcryptCompare = onThisThread;

  private constructor() {}

  /** Throws HtpasswdError naming the line for an entry without user or hash, or an unsupported scheme. */
  static parse(text: string, source: string): Htpasswd {
    const file = new Htpasswd();
    text.split(/\r?\n/).forEach((line, index) => {
      if (/^\s*(#|$)/.test(line)) return;
      for (const word of line.trim().split(/\s+/)) {
        const colon = word.indexOf(':');
        if (colon <= 0 || colon === word.length - 1) throw new HtpasswdError(source, index + 1, 'expected USER:HASH (htpasswd format)');
        const user = word.slice(0, colon);
        const hash = word.slice(colon + 1);
        const scheme = schemeOf(hash);
        if (!['bcrypt', 'apr1', 'sha', 'ssha', 'plain'].includes(scheme)) throw new HtpasswdError(source, index + 1, `user "${user}": ${scheme}`);
        file.#entries.set(user, { hash, scheme: scheme as Scheme });
      }
    });
    if (!file.#entries.size) throw new HtpasswdError(source, 1, 'no USER:HASH entries');
    return file;
  }

  /** One user with a password in clear (--ui-auth USER:PASSWORD, whose password may contain anything). */
  static plain(user: string, password: string): Htpasswd {
    const file = new Htpasswd();
    file.#entries.set(user, { hash: password, scheme: 'plain' });
    return file;
  }

  /** Several files (or --ui-auth plus a file) as one: a later entry for a user wins. */
  static merge(files: readonly Htpasswd[]): Htpasswd {
    const merged = new Htpasswd();
    for (const file of files) for (const [user, entry] of file.#entries) merged.#entries.set(user, entry);
    // Keep the worker-thread compare: the send API's login merged into the SMTP users once put
    // every bcrypt compare back on the event loop (2 s stalls under 20 concurrent AUTHs).
    for (const file of files) if (file.#bcrypt !== onThisThread) merged.#bcrypt = file.#bcrypt;
    return merged;
  }

  /** Runs bcrypt compares with this function (the server's worker thread) instead of on the calling thread. */
  withBcrypt(compare: BcryptCompare): this {
    this.#bcrypt = compare;
    return this;
  }

  get size(): number {
    return this.#entries.size;
  }

  async verify(user: string, secret: OfferedSecret): Promise<boolean> {
    const entry = this.#entries.get(user);
    if (!entry) return false;
    const { password } = secret;
    if (password === undefined) {
      // CRAM-MD5 can only be tested against a password mailsim knows in clear.
      return entry.scheme === 'plain' && (secret.validatePassword?.(entry.hash) ?? false);
    }
    const key = digest(`${user}\0${password}\0${entry.hash}`).toString('base64');
    if (this.#verified.has(key)) return true;
    let checking = this.#checking.get(key);
    if (!checking) {
      checking = matches(entry, password, this.#bcrypt).finally(() => this.#checking.delete(key));
      this.#checking.set(key, checking);
    }
    const ok = await checking;
    if (ok) {
      if (this.#verified.size >= CACHE_LIMIT) this.#verified.delete(this.#verified.values().next().value!);
      this.#verified.add(key);
    }
    return ok;
  }
}

export type BcryptCompare = (password: string, hash: string) => Promise<boolean>;

async function matches({ hash, scheme }: Entry, password: string, compare: BcryptCompare): Promise<boolean> {
  switch (scheme) {
    case 'bcrypt':
      // bcryptjs reads $2a$ and $2b$; $2y$ (PHP, htpasswd -B) and $2x$ are the same algorithm.
      return compare(password, hash.replace(/^\$2[xy]\$/, '$2b$'));
    case 'apr1':
      return same(aprMd5(password, hash), hash);
    case 'sha':
      return same(`{SHA}${sha1(password).toString('base64')}`, hash);
    case 'ssha': {
      const decoded = Buffer.from(hash.slice(6), 'base64');
      if (decoded.length <= 20) return false;
      const salt = decoded.subarray(20);
      return same(sha1(Buffer.concat([Buffer.from(password), salt])).toString('base64'), decoded.subarray(0, 20).toString('base64'));
    }
    case 'plain':
      return same(password, hash);
  }
}
