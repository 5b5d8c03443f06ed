import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { MailpitClient } from 'mailpit-api';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { startSim } from './helpers/sim.js';

// CI, stop 20: mailpit-api's waitForMessage, polling `subject:"late arrival"` right after a
// delete-all, got a 500 ("vtable constructor failed: message_fts", SQLITE_SCHEMA). The idle writer
// renames and drops the tables a delete-all set aside (table-discard.ts), one schema change each;
// a search re-prepared for a change connects the FTS table, whose constructor reads its own
// config table in a later snapshot than the schema it was prepared against, and fails when
// another change lands in between. Here a second connection changes the schema as fast as it
// can (what the idle writer does a few times per delete-all) while Mailpit's own client searches.

/** A connection of its own on the store's file, creating and dropping a table until told to stop. */
function churnSchema(path: string): { stop(): Promise<number> } {
  const worker = new Worker(
    `const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
     const { parentPort } = require('node:worker_threads');
     const db = new Database(${JSON.stringify(path)});
     db.pragma('busy_timeout = 5000');
     let stop = false, changes = 0;
     parentPort.on('message', () => (stop = true));
     const step = () => {
       if (stop) return parentPort.postMessage(changes);
       for (let i = 0; i < 20; i++) { db.exec('CREATE TABLE churn (x)'); db.exec('DROP TABLE churn'); changes += 2; }
       setImmediate(step);
     };
     step();`,
    { eval: true },
  );
  let stopped: Promise<number> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        const changes = new Promise<number>((resolve) => worker.once('message', resolve));
        worker.postMessage('stop');
        const count = await changes;
        await worker.terminate();
        return count;
      })()),
  };
}

describe('a search while the store schema changes under it', () => {
  it('answers every request with 200 and the right messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-search-schema-'));
    const db = join(dir, 'mailsim.db');
    const sim = await startSim({ db });
    const mailpit = new MailpitClient(sim.url);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, pool: true });
    const churn = churnSchema(db);
    try {
      await transport.sendMail({ from: 'app@example.com', to: 'user@example.org', subject: 'late arrival', text: 'y' });
      const failures: string[] = [];
      // Several query shapes: each is its own prepared statement, re-prepared after each change.
      const queries = ['subject:"late arrival"', 'from:app@example', 'arrival', 'to:user subject:late'];
      const searcher = async () => {
        for (let n = 0; n < 60; n++) {
          const query = queries[n % queries.length]!;
          const found = await mailpit.searchMessages({ query }).catch((error: Error) => (failures.push(`${query}: ${error.message}`), undefined));
          if (found && found.messages_count !== 1) failures.push(`${query}: ${found.messages_count} found`);
        }
      };
      await Promise.all([searcher(), searcher(), searcher()]);
      const changes = await churn.stop();
      expect(changes).toBeGreaterThan(100);
      expect({ failures, logged: failures.length ? sim.warnings : [] }).toEqual({ failures: [], logged: [] });
    } finally {
      await churn.stop();
      transport.close();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
