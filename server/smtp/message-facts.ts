import type { FaultContext } from '../faults/context.js';
import { headerMap } from '../util/headers.js';

/**
 * The message as rules see it at data-end. Headers are read only when a rule asks (subject,
 * from, header matchers): most scenarios never do, and every message is parsed in full by the
 * store's thread anyway.
 */
export function messageFacts(raw: Buffer): NonNullable<FaultContext['message']> {
  let headers: Record<string, string[]> | undefined;
  return {
    size: raw.length,
    get headers() {
      return (headers ??= headerMap(raw));
    },
  };
}
