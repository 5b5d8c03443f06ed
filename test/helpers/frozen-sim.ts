import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ConfigInput } from '../../server/config/config.js';
import type { MessagesSummary } from '../../server/protocol.js';
import { getJson, startSim, type TestSim } from './sim.js';

/** The scenario clock's frozen time (a Monday, 09:00 UTC): DSN dates and event times are exact. */
export const FROZEN = Date.UTC(2026, 0, 5, 9, 0, 0);

export interface FrozenSimCalls {
  /** POST /api/v1/clock {advance}: later bounces fall due without waiting. */
  advance(by: string): Promise<unknown>;
  messages(): Promise<MessagesSummary['messages']>;
  /** A stored message's raw bytes. */
  raw(id: string): Promise<Buffer>;
}

/**
 * One mailsim for the whole file on a scenario clock frozen at FROZEN, the store reset before
 * each test (call at the top level of a test file); `bind` receives the sim once it is up.
 */
export function useFrozenSim(bind: (sim: TestSim) => void, config: ConfigInput = {}): FrozenSimCalls {
  let sim: TestSim | undefined;
  beforeAll(async () => {
    sim = await startSim(config, { now: () => FROZEN });
    bind(sim);
  });
  afterAll(() => sim?.stop());
  beforeEach(() => sim?.harness.reset());
  const url = () => sim!.url;
  return {
    advance: (by) => getJson(`${url()}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: by }) }),
    messages: async () => (await getJson<MessagesSummary>(`${url()}/api/v1/messages`)).body.messages,
    raw: async (id) => Buffer.from(await (await fetch(`${url()}/api/v1/message/${id}/raw`)).arrayBuffer()),
  };
}
