import { parentPort } from 'node:worker_threads';
import type { Fallback } from './declared-resolver.js';
import type { AuthCall, AuthThreadReply } from './auth-protocol.js';
import { verifyMessage } from './verify.js';

/**
 * The auth thread: mailauth hashes bodies and verifies signatures here, never on the event
 * loop (a 20 MiB body takes ~2 s to canonicalise and hash). Checks run one at a time in
 * arrival order; node:dns is loaded only for a call that allows network lookups (--dns).
 */
let network: Promise<Fallback> | undefined;
const fallbackFor = (allowed: boolean): Promise<Fallback | undefined> =>
  allowed ? (network ??= import('./network-dns.js').then((module) => module.networkFallback)) : Promise.resolve(undefined);

let queue: Promise<void> = Promise.resolve();

parentPort!.on('message', (call: AuthCall) => {
  queue = queue.then(async () => {
    let reply: AuthThreadReply;
    try {
      reply = { call: call.call, ok: true, value: await verifyMessage(call.input, await fallbackFor(call.network)) };
    } catch (error) {
      reply = { call: call.call, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    parentPort!.postMessage(reply);
  });
});
