import type { AppInfo, SessionSummary } from '../../../server/protocol.js';
import { api } from '../lib/api.js';
import type { Frame } from '../lib/frames.js';
import { counterTotal, perMinute, tally } from '../lib/stats.js';

const KEEP = 5000;

/** Counts over the most recent sessions (loaded once, then kept up to date live). */
export class StatsState {
  sessions = $state.raw<SessionSummary[]>([]);
  info = $state.raw<AppInfo | null>(null);
  error = $state<string | null>(null);
  loaded = $state(false);
  /** Sessions the server holds in all (the tally covers the newest KEEP). */
  totalSessions = $state(0);
  /**
   * Faults fired since mailsim started, from GET /metrics (so a reload does not zero it), then
   * counted on live; null where the server has no metrics.
   */
  faultsFired = $state<number | null>(null);
  tally = $derived(tally(this.sessions));

  perMinute(now: number): number[] {
    return perMinute(this.sessions, now);
  }

  async load(): Promise<void> {
    try {
      const [list, info, metrics] = await Promise.all([api.sessions(0, KEEP, []), api.info(), api.metrics().catch(() => '')]);
      this.sessions = list.sessions.filter((s) => s.Outcome !== 'active');
      this.totalSessions = list.total;
      this.info = info;
      this.faultsFired = counterTotal(metrics, 'mailsim_faults_fired_total') ?? (metrics.includes('mailsim_faults_fired_total') ? 0 : null);
      this.error = null;
      this.loaded = true;
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  apply(frames: readonly Frame[]): void {
    if (!this.loaded) return;
    const closed: SessionSummary[] = [];
    let fired = 0;
    for (const frame of frames) {
      if (frame.Type === 'reset') {
        this.sessions = [];
        this.totalSessions = 0;
        closed.length = 0;
      } else if (frame.Type === 'session' && frame.Data.Outcome !== 'active') closed.push(frame.Data);
      else if (frame.Type === 'fault') fired++;
    }
    if (closed.length) {
      this.sessions = [...closed.reverse(), ...this.sessions].slice(0, KEEP);
      this.totalSessions += closed.length;
    }
    if (fired && this.faultsFired !== null) this.faultsFired += fired;
  }
}
