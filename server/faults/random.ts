/**
 * Seeded randomness. Faults must be reproducible (same seed, same events, same faults), which
 * Mailpit, MailHog and smtp4dev are not; so nothing here touches Math.random.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

/** splitmix32's finaliser: spreads nearby seeds (1, 2, 3…) over the whole 32-bit space. */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counter): passes PractRand far beyond the draw counts
 * a test run makes. `stream` gives independent sequences from one seed, e.g. one per rule, so
 * adding a rule does not shift another rule's draws.
 */
export function createRandom(seed: number, stream = 0): Random {
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
  let a = mix32(low);
  let b = mix32(high ^ a);
  let c = mix32((stream >>> 0) ^ b);
  let d = mix32(c ^ 0x5bd1e995);
  const step = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs of a freshly seeded sfc32 are correlated with the seed words.
  for (let i = 0; i < 12; i++) step();
  return { next: () => step() / 0x1_0000_0000 };
}
