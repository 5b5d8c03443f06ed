import type { Persona } from '../faults/schema.js';

export interface EhloState {
  secure: boolean;
  authenticated: boolean;
  /** The listener can upgrade this connection (a STARTTLS or auto listener with a certificate). */
  canStartTls: boolean;
  /** SIZE to advertise (the persona's, else the server limit). */
  size: number;
}

/**
 * The EHLO capability lines a persona advertises in the session's current state. Order follows
 * the persona's list, as real servers differ (Gmail puts SIZE first). AUTH disappears once
 * authenticated (RFC 4954 §4) and, for "hidden" personas, until TLS is up (Gmail, Microsoft 365);
 * STARTTLS disappears once TLS is up (RFC 3207 §4.2).
 */
export function ehloCapabilities(persona: Persona, state: EhloState): string[] {
  const lines: string[] = [];
  for (const extension of persona.extensions) {
    if (extension === 'SIZE') lines.push(`SIZE ${state.size}`);
    else if (extension === 'AUTH') {
      const hidden = persona.auth.mechanisms.length === 0 || state.authenticated || (!state.secure && persona.tls.authBeforeTls === 'hidden');
      if (!hidden) lines.push(`AUTH ${persona.auth.mechanisms.join(' ')}`);
    } else if (extension === 'STARTTLS') {
      if (offersStartTls(persona, state)) lines.push('STARTTLS');
    } else {
      lines.push(extension);
    }
  }
  if (!persona.extensions.includes('STARTTLS') && offersStartTls(persona, state)) lines.push('STARTTLS');
  return lines;
}

export function offersStartTls(persona: Persona, state: Pick<EhloState, 'secure' | 'canStartTls'>): boolean {
  return state.canStartTls && !state.secure && persona.tls.starttls !== 'off' && persona.tls.fault !== 'not-advertised';
}

export function advertisesAuth(persona: Persona, state: Pick<EhloState, 'secure'>): boolean {
  return persona.extensions.includes('AUTH') && (state.secure || persona.tls.authBeforeTls !== 'hidden');
}

/** A `starttls` listener offers STARTTLS even when its scenario's persona would not. */
export function withListenerTls(persona: Persona, forcesStartTls: boolean): Persona {
  if (!forcesStartTls || persona.tls.starttls !== 'off') return persona;
  return { ...persona, tls: { ...persona.tls, starttls: 'optional' } };
}
