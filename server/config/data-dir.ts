import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where mailsim keeps data that should survive restarts, following each platform's convention. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MAILSIM_HOME) return env.MAILSIM_HOME;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'mailsim');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'mailsim');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'mailsim');
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultDataDir(env), 'mailsim.db');
}
