import type { Fired, Verdict } from './decision.js';
import { toReply } from './decision.js';
import type { Contribution } from './decision-builder.js';
import { modulesOf } from './actions/index.js';
import type { Action, ReplySpec } from './schema.js';

/**
 * What a rule's (or a one-shot fault's) action adds to the decision: each field's module
 * (server/faults/actions/) gives its effect; delays add up, the terminal field's verdict
 * settles the decision, and a tarpit drips the reply that verdict sends (a bare tarpit drips
 * whichever reply is finally sent).
 */
export function actionContribution(action: Action, fired: Fired, render: (text: string) => string): Contribution {
  let delayMs = 0;
  let verdict: Verdict | undefined;
  let tarpit: { bytesPerSecond: number } | undefined;
  for (const { module, value } of modulesOf(action)) {
    const effect = module.effect(value, render);
    delayMs += effect.delayMs ?? 0;
    tarpit ??= effect.tarpit;
    verdict ??= effect.verdict;
  }
  if (verdict && tarpit && (verdict.kind === 'continue' || verdict.kind === 'reply')) return { fired, delayMs, verdict: { ...verdict, tarpit } };
  return { fired, delayMs, ...(verdict && { verdict }), ...(!verdict && tarpit && { tarpit }) };
}

/** A fixed reply from a persona check or a limit: terminal, no delay of its own. */
export function replyContribution(fired: Fired, reply: ReplySpec, render: (text: string) => string): Contribution {
  return { fired, delayMs: 0, verdict: { kind: 'reply', reply: toReply(reply, render) } };
}
