import type { Fired, Verdict } from './decision.js';
import { toReply } from './decision.js';
import type { Contribution } from './decision-builder.js';
import { durationMs } from './duration-ms.js';
import type { Action, ReplySpec } from './schema.js';

/**
 * The verdict an action stands for, or undefined when it only delays or tarpits. The schema
 * lets a tarpit carry a reply next to another terminal field; reply then wins, followed by
 * stall, disconnect, blackhole and accept.
 */
function verdictOf(action: Action, render: (text: string) => string): Verdict | undefined {
  const tarpit = tarpitOf(action);
  if (action.reply) return { kind: 'reply', reply: toReply(action.reply, render), ...(tarpit && { tarpit }) };
  if (action.stall) return { kind: 'stall' };
  if (action.disconnect) {
    const { partialReply, afterBytes } = action.disconnect;
    return {
      kind: 'disconnect',
      ...(partialReply !== undefined && { partialReply: render(partialReply) }),
      ...(afterBytes !== undefined && { afterBytes }),
    };
  }
  if (action.blackhole) return { kind: 'blackhole' };
  // accept: terminal, answers normally, stops later rules, persona checks and limits.
  if (action.accept) return { kind: 'continue', ...(tarpit && { tarpit }) };
  return undefined;
}

function tarpitOf(action: Action): { bytesPerSecond: number } | undefined {
  return action.tarpit ? { bytesPerSecond: action.tarpit.bytesPerSecond } : undefined;
}

export function actionContribution(action: Action, fired: Fired, render: (text: string) => string): Contribution {
  const verdict = verdictOf(action, render);
  const tarpit = verdict ? undefined : tarpitOf(action);
  return { fired, delayMs: action.delay === undefined ? 0 : durationMs(action.delay), ...(verdict && { verdict }), ...(tarpit && { tarpit }) };
}

/** A fixed reply from a persona check or a limit: terminal, no delay of its own. */
export function replyContribution(fired: Fired, reply: ReplySpec, render: (text: string) => string): Contribution {
  return { fired, delayMs: 0, verdict: { kind: 'reply', reply: toReply(reply, render) } };
}
