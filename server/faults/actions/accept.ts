import { z } from 'zod';
import { defineAction } from './action-module.js';

export const accept = defineAction({
  name: 'accept',
  schema: z.literal(true).describe('answer normally and stop evaluating later rules and limits'),
  terminal: true,
  explanation: 'answers normally and stops later rules, persona checks and limits',
  effect: () => ({ verdict: { kind: 'continue' } }),
});
