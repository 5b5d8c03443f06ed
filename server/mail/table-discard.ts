import type { Db } from './database.js';

/** Names of the tables set aside by discardTables, until the idle writer has emptied and dropped them. */
const PREFIX = 'discarded_';
/** Rows deleted per idle step: one short transaction on the writer thread (a few ms at 4 KiB a message). */
const STEP_ROWS = 250;

interface TableInfo {
  name: string;
  type: 'table' | 'shadow' | 'virtual' | 'view';
  /** 1 for a WITHOUT ROWID table. */
  wr: number;
}

const discardedTables = (db: Db) =>
  db.prepare(`SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main' AND name LIKE '${PREFIX}%' ORDER BY name`).all() as TableInfo[];

/**
 * Empties tables in O(schema), not O(pages): each is renamed aside and an empty one created from
 * its own stored SQL (its indexes and triggers too), in the caller's transaction. Emptying in
 * place made SQLite free every page of 100,000 messages inside the delete-all (DELETE without a
 * WHERE and DROP TABLE both walk each page and overflow chain): 2.2 s at stop 18, the WAL holding
 * every freed page's map entry. A crash at any point leaves either the old tables or the new
 * ones (one transaction); the old rows are freed later in idle steps (discardStep).
 *
 * Indexes cannot be renamed, so the old table's are dropped first (small: keys only), and
 * triggers are recreated on the new table rather than following the old one.
 */
export function discardTables(db: Db, tables: readonly string[]): void {
  const batch = (db.prepare('SELECT coalesce(max(CAST(substr(name, ?, 12) AS INTEGER)), 0) + 1 FROM pragma_table_list WHERE name LIKE ?').pluck().get(PREFIX.length + 1, `${PREFIX}%`) as number);
  for (const table of tables) {
    const own = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type = 'table' DESC").all(table) as Array<{ type: string; name: string; sql: string }>;
    const create = own.find((o) => o.type === 'table');
    if (!create) throw new Error(`no table ${table} to discard`);
    const rest = own.filter((o) => o !== create);
    for (const o of rest) db.exec(`DROP ${o.type === 'index' ? 'INDEX' : 'TRIGGER'} "${o.name}"`);
    db.exec(`ALTER TABLE "${table}" RENAME TO "${PREFIX}${String(batch).padStart(6, '0')}_${table}"`);
    db.exec(create.sql);
    for (const o of rest) db.exec(o.sql);
  }
}

/**
 * discardTables, or on a full store (SQLITE_FULL: the new tables' first pages cannot be had)
 * the tables emptied in place, which frees pages rather than taking any: the delete-all that
 * makes room must work when there is none.
 */
export function discardOrEmpty(db: Db, tables: readonly string[]): void {
  try {
    // A savepoint inside the caller's transaction: a failure undoes only this.
    db.transaction(() => discardTables(db, tables))();
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_FULL') throw error;
    for (const table of tables) {
      const virtual = (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(table) as string).startsWith('CREATE VIRTUAL');
      // FTS5 empties itself with its own command; DELETE without a WHERE frees the pages of the others.
      db.exec(virtual ? `INSERT INTO "${table}" ("${table}") VALUES ('delete-all')` : `DELETE FROM "${table}"`);
    }
  }
}

/**
 * One step of freeing what discardTables set aside: at most STEP_ROWS rows of one table in
 * the caller's (the idle writer's) own transaction; a table left empty is dropped. False when
 * nothing is left.
 *
 * A virtual table (the FTS index) goes first, whole: its large shadow tables (the index's blocks,
 * one row per document) are renamed out of it, which makes them plain tables freed like the
 * others, and what is left of it (its configuration, the segments' page index) is small to drop.
 * Deleting rows of its shadow tables in place would leave an index that integrity_check reports
 * as corrupt until the last step. Shadow tables are read-only in SQLite's defensive mode; the
 * rename is allowed for the moment it takes.
 */
export function discardStep(db: Db): boolean {
  const tables = discardedTables(db);
  if (!tables.length) return false;
  db.transaction(() => {
    const virtual = tables.find((t) => t.type === 'virtual');
    if (virtual) {
      db.unsafeMode(true);
      try {
        for (const shadow of tables.filter((t) => t.type === 'shadow' && t.wr === 0 && t.name.startsWith(`${virtual.name}_`))) {
          db.exec(`ALTER TABLE "${shadow.name}" RENAME TO "${shadow.name}_freeing"`);
        }
      } finally {
        db.unsafeMode(false);
      }
      db.exec(`DROP TABLE "${virtual.name}"`);
      return;
    }
    const rowid = tables.find((t) => t.type === 'table' && t.wr === 0 && db.prepare(`SELECT 1 FROM "${t.name}" LIMIT 1`).get());
    if (rowid) {
      db.prepare(`DELETE FROM "${rowid.name}" WHERE rowid IN (SELECT rowid FROM "${rowid.name}" LIMIT ${STEP_ROWS})`).run();
      return;
    }
    // Every rowid table is empty; WITHOUT ROWID tables (keys only) are small to drop whole.
    db.exec(`DROP TABLE "${tables.find((t) => t.type === 'table')!.name}"`);
  })();
  return true;
}
