import { durationMs } from '../duration-ms.js';
import { durationSchema, WAIT_BOUND } from '../schema-fields.js';
import { defineAction } from './action-module.js';

export const delay = defineAction({
  name: 'delay',
  schema: durationSchema({ bound: WAIT_BOUND, description: 'wait this long before acting; delays of several matching rules add up' }),
  terminal: false,
  explanation: 'holds the reply (the normal one, or what the rest of the action says) back for this long',
  effect: (value) => ({ delayMs: durationMs(value) }),
});
