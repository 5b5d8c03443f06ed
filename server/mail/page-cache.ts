import type Database from 'better-sqlite3';

/**
 * SQLite's page cache per connection. better-sqlite3 builds SQLite with a 16 MB default
 * (SQLITE_DEFAULT_CACHE_SIZE=-16000) and mailsim opens five connections (the writer, the
 * event loop's reader, two parse threads, the checkpoint thread): with 100,000 stored, lists and
 * searches fill each reader's cache to its bound, 80 MB of RSS in all (issue 14: peak RSS
 * under 150 MB). The pages live in the OS page cache as well, so a hit SQLite's cache misses
 * costs a pread, not a disk read. The writer keeps more: its inserts walk the same b-tree
 * pages (the tails of the indexes) every message.
 */
export const READER_CACHE_KIB = 2048;
export const WRITER_CACHE_KIB = 4096;

/** Bounds a connection's page cache (a negative cache_size is KiB, https://sqlite.org/pragma.html#pragma_cache_size). */
export function boundPageCache(db: Database.Database, kib: number): void {
  db.pragma(`cache_size = -${kib}`);
}
