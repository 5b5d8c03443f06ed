import type { MessageAuth } from '../protocol.js';
import type { AuthCheckInput } from './verify.js';

/** Main thread → auth thread. */
export interface AuthCall {
  call: number;
  input: AuthCheckInput;
  /** --dns: names not declared may be looked up on the network. */
  network: boolean;
}

/** Auth thread → main thread. */
export type AuthThreadReply = { call: number; ok: true; auth: Omit<MessageAuth, 'ID'> } | { call: number; ok: false; error: string };
