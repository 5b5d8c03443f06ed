import { z } from 'zod';

const enhancedCodeSchema = z.string().regex(/^[245]\.\d{1,3}\.\d{1,3}$/, 'an RFC 3463 enhanced status code such as 5.7.8');

/**
 * A reply: the code, an optional enhanced status code (RFC 3463, put at the start of every
 * line), and one line of text or several (sent as a multi-line reply, RFC 5321 §4.2.1).
 * Text may use placeholders: {id} session trace id, {clientIp}, {hostname}, {sender},
 * {recipient}, {recipientDomain}, {user}, {queueId}, {epoch}, {date}, {seconds}.
 * In a file of its own so that the action modules (server/faults/actions/) can use it without
 * importing the scenario schema that is built from them.
 */
export const replySchema = z
  .object({
    code: z.number().int().min(200).max(599),
    enhanced: enhancedCodeSchema.optional(),
    text: z.union([z.string(), z.array(z.string()).min(1)]).default(''),
  })
  .strict();
export type ReplySpec = z.infer<typeof replySchema>;
