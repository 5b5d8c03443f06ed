import type { SessionView } from './context.js';

/** What a concurrency limit needs to know about another open connection. */
export interface OpenSession {
  id: string;
  clientAddress: string;
  /** '' until sessionAuthenticated: only then does the session count for its user. */
  user: string;
  /** The latest MAIL FROM seen in the session, for limits kept per sender. */
  sender?: string;
}

/** The connections that are open right now, shared by every concurrency limit of an engine. */
export class OpenSessions {
  private readonly sessions = new Map<string, OpenSession>();

  opened(session: SessionView): void {
    this.sessions.set(session.id, { id: session.id, clientAddress: session.clientAddress, user: '' });
  }

  authenticated(session: SessionView): void {
    const facts = this.sessions.get(session.id) ?? { id: session.id, clientAddress: session.clientAddress, user: '' };
    this.sessions.set(session.id, { ...facts, user: session.user });
  }

  sawSender(sessionId: string, sender: string): void {
    const facts = this.sessions.get(sessionId);
    if (facts) facts.sender = sender;
  }

  closed(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  list(): OpenSession[] {
    return [...this.sessions.values()];
  }

  /** Carries the open connections over to the engine of a reloaded scenario. */
  adopt(from: OpenSessions): void {
    for (const facts of from.list()) this.sessions.set(facts.id, { ...facts });
  }
}
