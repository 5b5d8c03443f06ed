import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Htpasswd } from '../server/util/htpasswd.js';

/** Entries as `htpasswd -nb[B|m|s]` prints them (user "u", password "pw"). */
const BCRYPT = 'u:$2y$05$blJ544SznjvAkvuadiM5bO8/44t2LekPMH6Rlfvtq.y/66HuhyS/G';
const APR1 = 'u:$apr1$U6OUeSZ/$UGNLYBSrytPKp1eMSGv7h1';
const SHA = 'u:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=';

function ssha(password: string, salt: Buffer): string {
  const digest = createHash('sha1').update(Buffer.concat([Buffer.from(password), salt])).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

describe('Htpasswd', () => {
  it.each([
    ['bcrypt ($2y$, htpasswd -B)', BCRYPT],
    ['Apache MD5 ($apr1$, htpasswd -m)', APR1],
    ['SHA-1 ({SHA}, htpasswd -s)', SHA],
    ['salted SHA-1 ({SSHA})', `u:${ssha('pw', Buffer.from('salt1234'))}`],
    ['plain (htpasswd -p)', 'u:pw'],
  ])('checks %s', async (_name, line) => {
    const file = Htpasswd.parse(line, 'f');
    expect(await file.verify('u', { password: 'pw' })).toBe(true);
    expect(await file.verify('u', { password: 'pW' })).toBe(false);
    expect(await file.verify('v', { password: 'pw' })).toBe(false);
  });

  it('reads several users per line and per file, skipping comments and blank lines', async () => {
    const file = Htpasswd.parse(`# team\n\n${BCRYPT.replace('u:', 'ann:')}\r\nben:one  cat:two\n`, 'f');
    expect(file.size).toBe(3);
    expect(await Promise.all([file.verify('ann', { password: 'pw' }), file.verify('ben', { password: 'one' }), file.verify('cat', { password: 'two' })])).toEqual([true, true, true]);
  });

  it('tests CRAM-MD5 (no password sent) against plain entries only', async () => {
    const file = Htpasswd.merge([Htpasswd.parse(`plain:pw ${BCRYPT.replace('u:', 'hashed:')}`, 'f')]);
    const validator = (candidate: string) => candidate === 'pw';
    expect(await file.verify('plain', { validatePassword: validator })).toBe(true);
    expect(await file.verify('hashed', { validatePassword: validator })).toBe(false);
  });

  it('lets a later file win for the same user, and a plain --ui-auth password hold anything', async () => {
    const merged = Htpasswd.merge([Htpasswd.parse('u:old', 'a'), Htpasswd.parse('u:new', 'b'), Htpasswd.plain('qa', 'pa:ss $2y$ x')]);
    expect(await merged.verify('u', { password: 'new' })).toBe(true);
    expect(await merged.verify('u', { password: 'old' })).toBe(false);
    expect(await merged.verify('qa', { password: 'pa:ss $2y$ x' })).toBe(true);
  });

  it.each([
    ['nocolon', 'f:1: expected USER:HASH (htpasswd format)'],
    ['ok:pw\n:nouser', 'f:2: expected USER:HASH (htpasswd format)'],
    ['root:$6$salt$hash', 'f:1: user "root": crypt(3) $6$ hashes are not supported; use bcrypt (htpasswd -B)'],
    ['# only a comment\n', 'f:1: no USER:HASH entries'],
  ])('refuses %j', (text, message) => {
    expect(() => Htpasswd.parse(text, 'f')).toThrow(message);
  });
});
