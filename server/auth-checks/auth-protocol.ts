import type { MessageAuth } from '../protocol.js';
import type { ThreadReply } from '../util/thread-calls.js';
import type { AuthCheckInput } from './verify.js';

/** Main thread → auth thread. */
export interface AuthCall {
  call: number;
  input: AuthCheckInput;
  /** --dns: names not declared may be looked up on the network. */
  network: boolean;
}

/** Auth thread → main thread. */
export type AuthThreadReply = ThreadReply<Omit<MessageAuth, 'ID'>>;
