import { promises as dns } from 'node:dns';
import type { Fallback } from './declared-resolver.js';

/**
 * --dns: names no scenario or --dns-file declares are looked up for real. Loaded only then
 * (auth-thread.ts imports it on demand), so without --dns nothing in the checks holds node:dns.
 * A lookup that takes longer than this is a temperror, as a receiving MTA would treat it
 * (RFC 7208 §4.4, RFC 7489 §6.6.3).
 */
const LOOKUP_TIMEOUT_MS = 5_000;

const resolver = new dns.Resolver({ timeout: LOOKUP_TIMEOUT_MS, tries: 2 });

export const networkFallback: Fallback = (name, type) => resolver.resolve(name, type) as Promise<unknown[]>;
