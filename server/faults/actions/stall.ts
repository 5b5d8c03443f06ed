import { z } from 'zod';
import { defineAction } from './action-module.js';

export const stall = defineAction({
  name: 'stall',
  schema: z.literal(true).describe('never answer: the client runs into its own timeout'),
  terminal: true,
  explanation: 'never answers, and answers nothing after it either: the client runs into its own timeout (RFC 5321 §4.5.3.2)',
  effect: () => ({ verdict: { kind: 'stall' } }),
});
