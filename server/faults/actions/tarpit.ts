import { z } from 'zod';
import { defineAction } from './action-module.js';

export const tarpit = defineAction({
  name: 'tarpit',
  schema: z
    .object({
      bytesPerSecond: z
        .number()
        .min(0.001)
        .default(20)
        .describe('at least 0.001 (a byte every 1000 s, already past every client timeout of RFC 5321 §4.5.3.2; use stall for slower)'),
    })
    .strict()
    .describe('drip the reply (the normal one, or `reply`) a few bytes at a time'),
  terminal: false,
  explanation: 'drips the reply that is sent (the normal one, or `reply`) a few bytes at a time',
  effect: ({ bytesPerSecond }) => ({ tarpit: { bytesPerSecond } }),
});
