import { randomBytes } from 'node:crypto';

/**
 * 22 URL-safe characters from 128 random bits: the same length and alphabet class as
 * Mailpit's message IDs, so scripts that pattern-match IDs keep working.
 */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}
