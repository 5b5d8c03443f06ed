import { z } from 'zod';
import { defineAction } from './action-module.js';

export const disconnect = defineAction({
  name: 'disconnect',
  schema: z
    .object({
      partialReply: z.string().optional().describe('bytes to send before dropping the connection'),
      afterBytes: z.number().int().nonnegative().optional().describe('data-start only: let the 354 go and drop after this many bytes of the message'),
      reset: z
        .literal(true)
        .optional()
        .describe('drop with a TCP reset (RST) instead of a close (FIN): what a firewall that rejects looks like once connected (ECONNRESET)'),
    })
    .strict()
    .describe('drop the connection without a reply'),
  terminal: true,
  explanation: 'drops the connection without a reply (after a partial reply, part-way through the message, or with a reset)',
  effect: ({ partialReply, afterBytes, reset }, render) => ({
    verdict: {
      kind: 'disconnect',
      ...(partialReply !== undefined && { partialReply: render(partialReply) }),
      ...(afterBytes !== undefined && { afterBytes }),
      ...(reset && { reset }),
    },
  }),
});
