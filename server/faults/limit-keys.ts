import type { FaultContext } from './context.js';
import { normaliseAddress } from './ip-address.js';

export type KeyKind = 'global' | 'user' | 'sender' | 'sender-domain' | 'client';

export interface KeySource {
  clientAddress: string;
  user: string;
  sender?: string;
}

export function keySourceOf(ctx: FaultContext): KeySource {
  return { clientAddress: ctx.session.clientAddress, user: ctx.session.user, sender: ctx.sender };
}

/** The counter key, or undefined when the event has none (no user yet, no MAIL yet): then the limit does not apply. */
export function keyFor(kind: KeyKind, source: KeySource): string | undefined {
  switch (kind) {
    case 'global':
      return '*';
    case 'user':
      return source.user === '' ? undefined : source.user;
    case 'client':
      return normaliseAddress(source.clientAddress);
    case 'sender':
      return source.sender?.toLowerCase();
    case 'sender-domain': {
      const at = source.sender?.lastIndexOf('@') ?? -1;
      return at < 0 ? undefined : (source.sender as string).slice(at + 1).toLowerCase();
    }
  }
}

export function describeKey(kind: KeyKind, key: string): string {
  switch (kind) {
    case 'global':
      return 'overall';
    case 'sender':
      return `for sender <${key}>`;
    case 'sender-domain':
      return `for sender domain ${key}`;
    default:
      return `for ${kind} ${key}`;
  }
}
