import type { Frame } from '../../../server/protocol.js';

export type { Frame, FrameType } from '../../../server/protocol.js';

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
