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

/** Keys every event has: what a limit falls back to when its own key is missing. */
export type FallbackKind = 'global' | 'client';

/** The key an event counts under, and whether it is the fallback because the limit's own key was missing. */
export interface ResolvedKey {
  kind: KeyKind;
  key: string;
  /** The key the limit asked for when it had to fall back (no AUTH user, a null sender). */
  missing?: KeyKind;
}

/**
 * The limit's key, or its fallback when the event has none: a limit keyed on the AUTH user
 * still counts a client that sends without AUTH (Odoo talking to a local relay), under the
 * whole server (`global`, the default) or the client address, instead of silently not applying.
 */
export function resolveKey(kind: KeyKind, fallback: FallbackKind, source: KeySource): ResolvedKey {
  const key = keyFor(kind, source);
  if (key !== undefined) return { kind, key };
  return { kind: fallback, key: keyFor(fallback, source) as string, missing: kind };
}

const MISSING: Record<KeyKind, string> = {
  global: '',
  user: 'no AUTH user',
  sender: 'no MAIL FROM',
  'sender-domain': 'no sender domain',
  client: '',
};

/** "for user a@b", or "overall (no AUTH user: key user falls back to global)". */
export function describeResolved(resolved: ResolvedKey): string {
  const where = describeKey(resolved.kind, resolved.key);
  return resolved.missing ? `${where} (${MISSING[resolved.missing]}: key ${resolved.missing} falls back to ${resolved.kind})` : where;
}
