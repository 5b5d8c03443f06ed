import { expect } from 'vitest';
import type { MessageStore } from '../../server/mail/message-store.js';
import { parseSearch } from '../../server/mail/search-query.js';
import { toSql } from '../../server/mail/search-sql.js';

/**
 * Asserts that `query` through the trigram index finds, counts and pages exactly what a scan
 * without it does (the index must never change a result); returns the scan's match count.
 */
export function expectIndexMatchesScan(messages: MessageStore, query: string, now: number): number {
  const terms = parseSearch(query, { now });
  const indexed = toSql(terms);
  const scanned = toSql(terms, { index: false });
  expect(messages.idsMatching(indexed).sort(), query).toEqual(messages.idsMatching(scanned).sort());
  expect(messages.countMatching(indexed), query).toEqual(messages.countMatching(scanned));
  expect(messages.list(0, 50, indexed).map((m) => m.ID), query).toEqual(messages.list(0, 50, scanned).map((m) => m.ID));
  return messages.countMatching(scanned).total;
}
