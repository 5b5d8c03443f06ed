import { z } from 'zod';
import { defineAction } from './action-module.js';

/**
 * The reply is lost on its way back: the server did its work (at data-end the message is
 * stored, as a real server has committed it before answering 250) and the client never hears
 * of it. A client that retries sends the message again, the duplicate it would send in
 * production (RFC 5321 §6.1 accepts duplicates over lost mail).
 */
export const lostReply = defineAction({
  name: 'lostReply',
  schema: z
    .union([
      z.literal(true),
      z
        .object({
          then: z.enum(['stall', 'disconnect']).default('stall').describe('after the lost reply: say nothing more (stall), or drop the connection'),
        })
        .strict(),
    ])
    .describe('do what the server normally does (data-end: store the message), then withhold the reply: a retrying client sends a duplicate'),
  terminal: true,
  explanation: 'does what the server normally does (at data-end: stores the message) and withholds the reply; a client that retries sends a duplicate',
  effect: (value) => ({ verdict: { kind: 'continue', withhold: value === true ? 'stall' : value.then } }),
});
