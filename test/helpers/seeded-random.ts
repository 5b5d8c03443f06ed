import { createHash } from 'node:crypto';
import type { RandomSource } from '../../server/provider-events/provider-event.js';

/** Reproducible "random" bytes: SHA-256 of a seed and a counter. */
export function seededRandom(seed = 'mailsim'): RandomSource {
  let counter = 0;
  return {
    bytes(n: number): Buffer {
      const parts: Buffer[] = [];
      let length = 0;
      while (length < n) {
        const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
        parts.push(block);
        length += block.length;
      }
      return Buffer.concat(parts).subarray(0, n);
    },
  };
}
