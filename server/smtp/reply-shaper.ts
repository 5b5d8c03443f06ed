import type { Socket } from 'node:net';
import type { Reply } from '../faults/decision.js';
import type { Persona, Phase } from '../faults/schema.js';
import { batchReplies } from './reply-batching.js';
import { interceptReplies, type SMTPConnection, type WireSend } from './smtp-server-seams.js';

export interface ShaperHooks {
  /** The phase whose reply is being sent. */
  phase(): Phase | 'other';
  persona(): Persona;
  render(template: string): string;
  /** Capability lines for an EHLO reply in the session's current state. */
  capabilities(): string[];
  /** A reply the engine prepared for the next reply with this code (hook errors carry one line only). */
  takeOverride(code: number): Reply | undefined;
  /** A reply as it went over the wire, for the transcript. */
  sent(payload: string): void;
  /**
   * True when this reply must not go out (a stalled connection stays silent; a lost-reply
   * fault withholds it); the hook records it. The payload is the reply as it would have read.
   */
  withhold(payload: string): boolean;
  /** Runs the shaping; a throw in it closes this connection and nothing else. */
  contain(fn: () => void): void;
}

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3}(?: |$)/;

/** The persona's text for a normal reply, keyed by phase and code. */
const PERSONA_TEXT: Partial<Record<Phase, [number, (p: Persona) => string | undefined]>> = {
  connect: [220, (p) => p.banner],
  mail: [250, (p) => p.replies.mail],
  rcpt: [250, (p) => p.replies.rcpt],
  'data-start': [354, (p) => p.replies.data],
  starttls: [220, (p) => p.replies.starttls],
  auth: [235, (p) => p.replies.auth],
  quit: [221, (p) => p.replies.quit],
};

export function withEnhanced(reply: Reply): string[] {
  return reply.lines.map((line) => (reply.enhanced ? `${reply.enhanced}${line ? ` ${line}` : ''}` : line));
}

/**
 * Every reply of the connection passes through here (smtp-server's send() is its single write
 * site). It gives replies the persona's wording and enforces the enhanced-status-code policy:
 * smtp-server picks codes from its own table ("550 5.1.1" for any 550); a persona that does not
 * advertise ENHANCEDSTATUSCODES sends none (RFC 2034), and a text that already starts with a
 * code is sent as written. Returns the unshaped writer, for replies that must bypass the persona.
 */
export function shapeReplies(connection: SMTPConnection, socket: () => Socket, hooks: ShaperHooks): WireSend {
  const raw = interceptReplies(connection, socket, (code, data, context, send) => {
    let reply: Parameters<WireSend> | undefined;
    hooks.contain(() => {
      reply = shape(hooks, code, data, context);
    });
    if (!reply) return;
    const shaped = reply;
    let withheld = false;
    hooks.contain(() => {
      withheld = hooks.withhold(preview(shaped[0], shaped[1]));
    });
    if (withheld) return;
    // A 421 closes the connection (smtp-server ends the socket, which sends what is held anyway).
    if (hooks.phase() === 'rcpt' && shaped[0] !== 421) batchReplies(socket());
    const payload = send(...reply);
    if (payload !== undefined) hooks.contain(() => hooks.sent(payload));
  });
  return (code, data, context) => {
    const payload = raw(code, data, context);
    if (payload !== undefined) hooks.contain(() => hooks.sent(payload));
    return payload;
  };
}

function shape(hooks: ShaperHooks, code: number, data: string | string[] | undefined, context: unknown): Parameters<WireSend> {
  const override = hooks.takeOverride(code);
  if (override) return [override.code, multiline(withEnhanced(override)), false];
  const persona = hooks.persona();
  const text = personaText(hooks, persona, code, data) ?? data;
  const first = Array.isArray(text) ? text[0] : text;
  const explicit = !persona.extensions.includes('ENHANCEDSTATUSCODES') || (typeof first === 'string' && ENHANCED.test(first));
  return [code, text, explicit ? false : context];
}

function personaText(hooks: ShaperHooks, persona: Persona, code: number, data: string | string[] | undefined): string | string[] | undefined {
  const phase = hooks.phase();
  if (phase === 'helo' && code === 250) {
    const greeting = hooks.render(persona.ehlo);
    return Array.isArray(data) ? [greeting, ...hooks.capabilities()] : greeting;
  }
  if (phase === 'other') return undefined;
  const entry = PERSONA_TEXT[phase];
  if (!entry || entry[0] !== code) return undefined;
  const template = entry[1](persona);
  return template === undefined ? undefined : multiline(template.split('\n').map((line) => hooks.render(line)));
}

/** The reply as send() would write it, near enough for the transcript (enhanced codes aside). */
function preview(code: number, data: string | string[] | undefined): string {
  const lines = Array.isArray(data) ? data : [data ?? ''];
  return lines.map((line, i) => `${code}${i < lines.length - 1 ? '-' : ' '}${line}`).join('\n');
}

function multiline(lines: string[]): string | string[] {
  return lines.length === 1 ? (lines[0] as string) : lines;
}
