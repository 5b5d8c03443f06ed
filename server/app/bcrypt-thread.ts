import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import type { ThreadReply } from '../util/thread-calls.js';

/**
 * bcrypt compares for the auth files, off the event loop: one at cost 12 takes ~1 s of CPU, and
 * bcryptjs's "async" API runs it in 100 ms slices on the calling thread, so 20 concurrent
 * attempts held the SMTP and HTTP servers for ~2 s at a time.
 */
parentPort!.on('message', ({ call, password, hash }: { call: number; password: string; hash: string }) => {
  let ok: boolean;
  try {
    ok = bcrypt.compareSync(password, hash);
  } catch {
    // A hash bcryptjs cannot read matches nothing.
    ok = false;
  }
  const reply: ThreadReply<boolean> = { call, ok: true, value: ok };
  parentPort!.postMessage(reply);
});
