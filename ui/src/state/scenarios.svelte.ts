import type { ClockInfo, CounterInfo, FaultEvent, OneShotFaultInfo, ScenarioInfo, ScenariosList } from '../../../server/protocol.js';
import { ApiFailure, api, isUnreachable } from '../lib/api.js';
import type { Frame } from '../lib/frames.js';

/** One part of the page as loaded: its value, or why not (an error, a build without it, no answer at all). */
type Part<T> = { value: T | null; error: string | null; missing: boolean; unreachable: boolean };

const empty = <T>(): Part<T> => ({ value: null, error: null, missing: false, unreachable: false });

async function attempt<T>(load: () => Promise<T>): Promise<Part<T>> {
  try {
    return { value: await load(), error: null, missing: false, unreachable: false };
  } catch (error) {
    const missing = error instanceof ApiFailure && (error.status === 404 || error.status === 405);
    // No answer at all is said once for the whole page, not under every panel.
    const unreachable = isUnreachable(error);
    return { value: null, error: missing || unreachable ? null : (error as Error).message, missing, unreachable };
  }
}

/**
 * Where an action was taken ("listener:127.0.0.1:2525", "scenario:gmail", "faults", "clock",
 * "inline"): its confirmation or error is shown there, not at the top of a long page.
 */
export interface Feedback {
  where: string;
  tone: 'note' | 'error';
  text: string;
}

/** Scenarios per listener, one-shot faults, counters and the scenario clock. */
export class ScenariosState {
  scenarios = $state.raw<Part<ScenariosList>>(empty());
  clock = $state.raw<Part<ClockInfo>>(empty());
  counters = $state.raw<Part<{ counters: CounterInfo[] }>>(empty());
  faults = $state.raw<Part<{ faults: OneShotFaultInfo[] }>>(empty());
  /** The local time when `clock` was read, to tick it forward between reads. */
  clockReadAt = $state(0);
  viewing = $state.raw<(ScenarioInfo & { Text?: string }) | null>(null);
  /** Fault decisions seen live since the page opened, newest first (bounded). */
  recentFaults = $state.raw<FaultEvent[]>([]);
  faultsFired = $state(0);
  feedback = $state.raw<Feedback | null>(null);
  loaded = $state(false);
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** The last load got no answer from the server. */
  get unreachable(): boolean {
    return [this.scenarios, this.clock, this.counters, this.faults].some((part) => part.unreachable);
  }

  async load(): Promise<void> {
    const [scenarios, clock, counters, faults] = await Promise.all([
      attempt(api.scenarios),
      attempt(api.clock),
      attempt(api.counters),
      attempt(api.faults),
    ]);
    this.scenarios = scenarios;
    this.clock = clock;
    this.clockReadAt = Date.now();
    this.counters = counters;
    this.faults = faults;
    this.loaded = true;
  }

  #reloadSoon(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.loaded) void this.load();
    }, 200);
  }

  apply(frames: readonly Frame[]): void {
    let fired: FaultEvent[] = [];
    for (const frame of frames) {
      switch (frame.Type) {
        case 'scenario':
        case 'reset':
          this.#reloadSoon();
          break;
        case 'clock':
          this.clock = { value: frame.Data, error: null, missing: false, unreachable: false };
          this.clockReadAt = Date.now();
          this.#reloadSoon();
          break;
        case 'fault':
          fired.push(frame.Data);
          break;
        default:
          break;
      }
    }
    if (fired.length) {
      this.faultsFired += fired.length;
      fired = fired.reverse();
      this.recentFaults = [...fired, ...this.recentFaults].slice(0, 50);
      this.#reloadSoon();
    }
  }

  /** The scenario clock now, from the real clock and the offset last read. */
  scenarioNow(realNow: number): number {
    return realNow + (this.clock.value?.OffsetMs ?? 0);
  }

  say(where: string, tone: Feedback['tone'], text: string): void {
    this.feedback = { where, tone, text };
  }

  async #act(where: string, what: () => Promise<unknown>, note: string): Promise<boolean> {
    this.feedback = null;
    try {
      await what();
      this.say(where, 'note', note);
      await this.load();
      return true;
    } catch (error) {
      this.say(where, 'error', (error as Error).message);
      return false;
    }
  }

  use(name: string, listener?: string): Promise<boolean> {
    return this.#act(
      listener ? `listener:${listener}` : `scenario:${name}`,
      () => api.useScenario(listener ? { Name: name, Listener: listener } : { Name: name }),
      listener ? `Scenario "${name}" is now active on ${listener}.` : `Scenario "${name}" is now active on every listener (${this.scenarios.value?.listeners.length ?? 'all'}): ${this.scenarios.value?.listeners.map((l) => (l.Address.includes(':') ? `[${l.Address}]:${l.Port}` : `${l.Address}:${l.Port}`)).join(', ') ?? ''}.`,
    );
  }

  useInline(text: string, listener?: string): Promise<boolean> {
    let scenario: unknown;
    try {
      scenario = JSON.parse(text);
    } catch (error) {
      this.say('inline', 'error', `Not valid JSON: ${(error as Error).message}`);
      return Promise.resolve(false);
    }
    return this.#act('inline', () => api.useScenario(listener ? { Scenario: scenario, Listener: listener } : { Scenario: scenario }), 'Inline scenario is now active.');
  }

  async view(name: string | null): Promise<void> {
    if (!name) {
      this.viewing = null;
      return;
    }
    try {
      this.viewing = await api.scenario(name);
    } catch (error) {
      this.say(`scenario:${name}`, 'error', (error as Error).message);
    }
  }

  addFault(body: unknown, note: string): Promise<boolean> {
    return this.#act('faults', () => api.addFault(body), note);
  }

  removeFault(id: string): Promise<boolean> {
    return this.#act('faults', () => api.removeFault(id), `Fault ${id} removed.`);
  }

  moveClock(body: { advance: string } | { reset: true } | { set: string }, note: string): Promise<boolean> {
    return this.#act('clock', () => api.moveClock(body), note);
  }
}
