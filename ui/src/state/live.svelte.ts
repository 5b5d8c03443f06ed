import { Batcher, frameScheduler } from '../lib/batcher.js';
import { type Frame, parseFrame } from '../lib/frames.js';
import { BASE } from '../lib/base.js';
import { LiveConnection, type LiveStatus, type SocketLike } from '../lib/live-connection.js';

/** The live feed: one WebSocket, frames batched per animation frame, resync on reconnect. */
export class LiveFeed {
  status = $state<LiveStatus>('connecting');
  retryInMs = $state(0);
  /** When the current wait ends (for the countdown). */
  retryAt = $state(0);
  #connection: LiveConnection;
  #batcher: Batcher<Frame>;

  constructor(apply: (frames: Frame[]) => void, resync: () => void) {
    this.#batcher = new Batcher<Frame>(
      apply,
      frameScheduler((cb) => requestAnimationFrame(cb), (cb, ms) => setTimeout(cb, ms)),
      resync,
    );
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.#connection = new LiveConnection({
      url: `${scheme}://${location.host}${BASE}/api/events`,
      connect: (url) => new WebSocket(url) as unknown as SocketLike,
      onMessage: (data) => {
        const frame = parseFrame(data);
        if (frame) this.#batcher.push(frame);
      },
      onOpen: (reconnected) => {
        if (reconnected) {
          this.#batcher.clear();
          resync();
        }
      },
      onStatus: (status, retryInMs) => {
        this.status = status;
        this.retryInMs = retryInMs ?? 0;
        this.retryAt = retryInMs ? Date.now() + retryInMs : 0;
      },
      setTimeout: (cb, ms) => setTimeout(cb, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      random: Math.random,
    });
  }

  start(): void {
    this.#connection.start();
    addEventListener('online', this.#retry);
    document.addEventListener('visibilitychange', this.#retry);
  }

  readonly #retry = (): void => {
    if (document.visibilityState === 'visible') this.#connection.retryNow();
  };

  retryNow(): void {
    this.#connection.retryNow();
  }
}
