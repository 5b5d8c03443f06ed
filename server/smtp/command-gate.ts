import type { Reply } from '../faults/decision.js';
import type { Persona, Phase } from '../faults/schema.js';
import { authMechanism, phaseOf, verbOf } from './commands.js';
import type { Carry } from './decision-runner.js';
import { advertisesAuth } from './ehlo-lines.js';
import { withEnhanced } from './reply-shaper.js';
import type { SessionState } from './session-state.js';
import type { CommandHandler } from './smtp-server-seams.js';
import { TlsTracker } from './tls-tracker.js';
import { smtpReply } from '../errors/catalogue.js';

const TOO_MANY_ERRORS = smtpReply('TOO_MANY_ERRORS');

/** What the gate needs from its connection. */
export interface GateHost {
  readonly state: SessionState;
  readonly tls: TlsTracker;
  /** The phase whose reply comes next (the reply shaper words it). */
  enter(phase: Phase | 'other'): void;
  /** The session's persona as this listener presents it. */
  persona(): Persona;
  offersStartTls(): boolean;
  render(template: string): string;
  /** Asks the engine about a command smtp-server has no hook for, and carries the verdict out. */
  decide(phase: Phase, carry: Carry): void;
  /** Sends a reply the gate composed (with its enhanced code written out, so none is added). */
  reply(code: number, lines: string[]): void;
  /** Closes the connection outright once the last reply is out, reading nothing more. */
  hangUp(): void;
}

/**
 * Phases decided here, before smtp-server sees the line: it has no hook for them. MAIL, RCPT,
 * AUTH and the end of DATA are decided in smtp-server's own hooks, after its syntax checks.
 */
const DECIDED_HERE: ReadonlySet<Phase> = new Set(['helo', 'starttls', 'data-start', 'rset', 'quit']);

/**
 * Postfix's smtpd_junk_command_limit (100): past it each NOOP, VRFY, RSET... counts as an error,
 * and smtpd_hard_error_limit (20) errors end the session. A client that only sends these (a flood
 * of 16 KB NOOPs, issue 9 item 10) costs the server work and other clients time, and no mail.
 */
const JUNK_COMMANDS: ReadonlySet<string> = new Set(['NOOP', 'VRFY', 'EXPN', 'HELP', 'RSET', 'ETRN']);
const JUNK_LIMIT = 100 + 20;

/**
 * Every command line passes here before smtp-server sees it: into the transcript, then to the
 * fault engine for the phases smtp-server has no hook for, and past the persona's gates (a
 * mechanism it does not offer, AUTH before TLS where it hides AUTH, STARTTLS where it is off).
 */
export function commandGate(host: GateHost): CommandHandler {
  let junk = 0;
  return (command, next, pass) => {
    if (TlsTracker.isClientHello(command)) {
      // Answered the way a plaintext server does, with a 500.
      host.tls.clientHelloOnPlainPort();
      host.enter('other');
      return pass(command, next);
    }
    const line = command.toString();
    const continuation = host.state.awaitingContinuation;
    host.state.command(line);
    // An AUTH continuation (after a 334) or plaintext that arrived during the TLS handshake is
    // not a command; smtp-server knows what to do with it.
    if (continuation || host.tls.upgrading) return pass(command, next);
    if (JUNK_COMMANDS.has(verbOf(line)) && ++junk > JUNK_LIMIT) {
      host.enter('other');
      // Postfix's words; smtp-server closes the connection after a 421.
      host.reply(TOO_MANY_ERRORS.code, [`${TOO_MANY_ERRORS.enhanced} ${host.render('{hostname}')} ${TOO_MANY_ERRORS.text}`]);
      // A flood would otherwise keep arriving, and be read and discarded, for seconds.
      host.hangUp();
      return next();
    }
    const phase = phaseOf(line);
    host.enter(phase ?? 'other');
    if (phase === 'auth') return authGate(host, line, () => pass(command, next), next);
    if (phase === 'starttls' && !host.offersStartTls()) {
      // What a server without TLS answers (Postfix: smtpd.c); the command must not reach smtp-server.
      host.reply(502, ['5.5.1 Error: command not implemented']);
      return next();
    }
    if (!phase || !DECIDED_HERE.has(phase)) return pass(command, next);
    host.decide(phase, {
      proceed: () => {
        if (phase === 'starttls') host.tls.upgradeAccepted();
        pass(command, next);
      },
      reply: (reply: Reply) => {
        host.reply(reply.code, withEnhanced(reply));
        next();
      },
    });
  };
}

/** Mechanisms the persona does not offer, or AUTH it hides before TLS, never reach smtp-server. */
function authGate(host: GateHost, line: string, pass: () => void, next: () => void): void {
  const persona = host.persona();
  if (!advertisesAuth(persona, { secure: host.state.tls !== null })) {
    const reply = persona.tls.replies.required;
    host.reply(reply.code, withEnhanced({ code: reply.code, enhanced: reply.enhanced, lines: [reply.text].flat().map((t) => host.render(t)) }));
    return next();
  }
  if (!persona.auth.mechanisms.includes(authMechanism(line) as never)) {
    // Microsoft 365 words it 504 5.7.4 (https://github.com/nodemailer/nodemailer/issues/1060), hence the persona's reply.
    const reply = persona.auth.replies.unsupportedMechanism;
    host.reply(reply.code, withEnhanced({ code: reply.code, enhanced: reply.enhanced, lines: [reply.text].flat().map((t) => host.render(t)) }));
    return next();
  }
  pass();
}
