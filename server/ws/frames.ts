import type { ClockInfo, FaultEvent, ListenerInfo, MessageSummary, ScenarioInfo, SessionSummary } from '../protocol.js';

/**
 * What goes over /api/events, one JSON frame per event in Mailpit's envelope
 * (`{"Type": ..., "Data": ...}`). `new`, `update`, `delete`, `truncate` and `stats` are
 * Mailpit's; the rest are ours. (Types only; the UI keeps a copy of this union because it may
 * import types from server/protocol.ts alone.)
 */
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
