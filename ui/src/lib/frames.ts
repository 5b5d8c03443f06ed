import type { ClockInfo, FaultEvent, ListenerInfo, MessageSummary, ScenarioInfo, SessionSummary } from '../../../server/protocol.js';

/** The /api/events frames (Mailpit's `{"Type", "Data"}` envelope), as the server sends them. */
export interface FrameMap {
  new: MessageSummary;
  update: { IDs: string[]; Read: boolean };
  delete: { IDs: string[] };
  truncate: Record<string, never>;
  stats: { Total: number; Unread: number; Version: string };
  session: SessionSummary;
  fault: FaultEvent;
  scenario: { Scenario: ScenarioInfo; Listeners: ListenerInfo[] };
  clock: ClockInfo;
  reset: Record<string, never>;
}

export type FrameType = keyof FrameMap;
export type Frame = { [K in FrameType]: { Type: K; Data: FrameMap[K] } }[FrameType];

/** Parses one frame; anything malformed or of an unknown type is ignored (a newer server). */
export function parseFrame(text: unknown): Frame | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text) as { Type?: unknown; Data?: unknown };
    if (typeof value?.Type !== 'string' || typeof value.Data !== 'object' || value.Data === null) return undefined;
    return value as Frame;
  } catch {
    return undefined;
  }
}
