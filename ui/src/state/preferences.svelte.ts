import type { Frame } from '../lib/frames.js';

export type ThemeChoice = 'system' | 'light' | 'dark';
const THEME_KEY = 'mailsim.theme';
const NOTIFY_KEY = 'mailsim.notify';
/** A burst of mail is one notification, not one per message. */
const NOTIFY_EVERY_MS = 3000;

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private mode or storage full: the choice lasts for this page only
  }
}

/** What this browser keeps: the theme (system, light or dark) and opt-in notifications of new mail. */
export class Preferences {
  theme = $state<ThemeChoice>((['light', 'dark'] as const).find((t) => t === stored(THEME_KEY)) ?? 'system');
  notify = $state(stored(NOTIFY_KEY) === 'on');
  permission = $state<NotificationPermission | 'unsupported'>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  #pending: Array<{ Subject: string; From: { Name: string; Address: string } }> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastShown = 0;

  /** Puts data-theme on <html>; "system" follows the OS setting as it changes. */
  applyTheme(): void {
    const dark = matchMedia('(prefers-color-scheme: dark)');
    const set = () => (document.documentElement.dataset.theme = this.theme === 'system' ? (dark.matches ? 'dark' : 'light') : this.theme);
    set();
    dark.addEventListener('change', set);
    $effect.root(() => {
      $effect(() => {
        store(THEME_KEY, this.theme);
        set();
      });
    });
  }

  /** Asks for permission only here, on the user's click (browsers refuse prompts nobody asked for). */
  async enableNotifications(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    this.permission = await Notification.requestPermission();
    this.notify = this.permission === 'granted';
    store(NOTIFY_KEY, this.notify ? 'on' : 'off');
  }

  disableNotifications(): void {
    this.notify = false;
    store(NOTIFY_KEY, 'off');
  }

  apply(frames: readonly Frame[]): void {
    if (!this.notify || this.permission !== 'granted') return;
    for (const frame of frames) if (frame.Type === 'new') this.#pending.push(frame.Data);
    if (this.#pending.length && !this.#timer) this.#timer = setTimeout(() => this.#show(), Math.max(0, this.#lastShown + NOTIFY_EVERY_MS - Date.now()));
  }

  #show(): void {
    this.#timer = undefined;
    const mail = this.#pending.splice(0);
    if (!mail.length) return;
    this.#lastShown = Date.now();
    const first = mail[0]!;
    const from = first.From.Name || first.From.Address;
    const title = mail.length === 1 ? first.Subject || '(no subject)' : `${mail.length} new messages`;
    const body = mail.length === 1 ? `From ${from}` : `Latest: ${mail[mail.length - 1]!.Subject || '(no subject)'}`;
    try {
      new Notification(title, { body, tag: 'mailsim-new-mail' });
    } catch {
      // a browser that only notifies from a service worker
    }
  }
}
