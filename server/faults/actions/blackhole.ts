import { z } from 'zod';
import { defineAction } from './action-module.js';

export const blackhole = defineAction({
  name: 'blackhole',
  schema: z.literal(true).describe('data-end only: answer 250 but store nothing'),
  terminal: true,
  phases: ['data-end'],
  explanation: 'answers 250 to the message and stores nothing: the application believes it was sent',
  effect: () => ({ verdict: { kind: 'blackhole' } }),
});
