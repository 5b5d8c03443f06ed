import { toReply } from '../decision.js';
import { replySchema } from '../reply-schema.js';
import { defineAction } from './action-module.js';

export const reply = defineAction({
  name: 'reply',
  schema: replySchema.describe('answer with this reply (421 also closes the connection, RFC 5321 §3.8)'),
  terminal: true,
  explanation: 'answers with this reply instead of the normal one; a 421 also closes the connection (RFC 5321 §3.8)',
  effect: (value, render) => ({ verdict: { kind: 'reply', reply: toReply(value, render) } }),
});
