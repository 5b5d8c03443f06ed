import { z } from 'zod';
import type { FaultContext } from './context.js';
import type { Contribution } from './decision-builder.js';
import type { Phase } from './schema.js';
import { createRandom, type Random } from './random.js';

/**
 * Mailpit's chaos triggers (internal/smtpd/chaos), same JSON shape so Mailpit clients work:
 * a code of 0 or none means the default, probability is a whole percentage.
 */
const triggerSchema = z
  .object({
    ErrorCode: z.union([z.literal(0), z.number().int().min(400).max(599)]).optional(),
    Probability: z.number().int().min(0).max(100).default(0),
  })
  .strict();
export const chaosTriggersSchema = z
  .object({ Sender: triggerSchema.optional(), Recipient: triggerSchema.optional(), Authentication: triggerSchema.optional() })
  .strict();
export type ChaosTriggersInput = z.input<typeof chaosTriggersSchema>;

export interface ChaosTrigger {
  ErrorCode: number;
  Probability: number;
}
export type ChaosTriggerName = 'Sender' | 'Recipient' | 'Authentication';
export type ChaosTriggers = Record<ChaosTriggerName, ChaosTrigger>;

const DEFAULT_CODES: Record<ChaosTriggerName, number> = { Sender: 451, Recipient: 451, Authentication: 535 };
const PHASE_TRIGGER: Partial<Record<Phase, ChaosTriggerName>> = { mail: 'Sender', rcpt: 'Recipient', auth: 'Authentication' };
const TEXT: Record<ChaosTriggerName, string> = {
  Sender: 'Chaos sender error',
  Recipient: 'Chaos recipient error',
  Authentication: 'Chaos authentication error',
};

function defaults(): ChaosTriggers {
  return {
    Sender: { ErrorCode: DEFAULT_CODES.Sender, Probability: 0 },
    Recipient: { ErrorCode: DEFAULT_CODES.Recipient, Probability: 0 },
    Authentication: { ErrorCode: DEFAULT_CODES.Authentication, Probability: 0 },
  };
}

/** Random failures at MAIL, RCPT and AUTH, as Mailpit offers them, but from a seeded stream. */
export class Chaos {
  private triggers = defaults();
  private random: Record<ChaosTriggerName, Random>;

  constructor(private readonly seed = 1) {
    this.random = this.streams();
  }

  /** One stream per trigger: switching the sender trigger on does not shift the recipient trigger's draws. */
  private streams(): Record<ChaosTriggerName, Random> {
    return { Sender: createRandom(this.seed, 0xc4a0), Recipient: createRandom(this.seed, 0xc4a1), Authentication: createRandom(this.seed, 0xc4a2) };
  }

  get(): ChaosTriggers {
    return structuredClone(this.triggers);
  }

  /** Mailpit semantics: a trigger left out goes back to its default code at 0%; `{}` resets all. Throws a ZodError on bad input. */
  set(input: ChaosTriggersInput): ChaosTriggers {
    const parsed = chaosTriggersSchema.parse(input);
    const next = defaults();
    for (const name of Object.keys(next) as ChaosTriggerName[]) {
      const given = parsed[name];
      if (given) next[name] = { ErrorCode: given.ErrorCode || DEFAULT_CODES[name], Probability: given.Probability };
    }
    this.triggers = next;
    return this.get();
  }

  /** Like Mailpit: a whole number 0–99 below the probability fires; a 0% trigger draws nothing. */
  take(ctx: FaultContext): Contribution | undefined {
    const name = PHASE_TRIGGER[ctx.phase];
    if (!name) return undefined;
    const { ErrorCode, Probability } = this.triggers[name];
    if (Probability === 0 || Math.floor(this.random[name].next() * 100) >= Probability) return undefined;
    const reason = `chaos: ${name} trigger fired at ${ctx.phase} (${ErrorCode} at ${Probability}%)`;
    return {
      fired: { source: 'chaos', name, phase: ctx.phase, reason },
      delayMs: 0,
      // Mailpit writes "<code> Chaos sender error": no enhanced status code.
      verdict: { kind: 'reply', reply: { code: ErrorCode, lines: [TEXT[name]] } },
    };
  }


  reset(): void {
    this.triggers = defaults();
    this.random = this.streams();
  }
}
