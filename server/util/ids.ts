import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 16 * 256;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * 22 URL-safe characters from 128 random bits: the same length and alphabet class as
 * Mailpit's message IDs, so scripts that pattern-match IDs keep working. Random bytes are drawn
 * 4 KiB at a time: one crypto call per message cost more than the rest of the ID.
 */
export function newId(): string {
  if (offset === POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += 16;
  return pool.toString('base64url', offset - 16, offset);
}
