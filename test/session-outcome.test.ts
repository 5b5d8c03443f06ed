import { describe, expect, it } from 'vitest';
import { classify, emptyFacts, type OutcomeFacts } from '../server/smtp/session-outcome.js';

const facts = (overrides: Partial<OutcomeFacts>): OutcomeFacts => ({ ...emptyFacts(), ...overrides });
const reply = (code: number, command = 'RCPT TO:<a@b>') => ({ code, text: `${code} text`, command });

describe('session outcome', () => {
  it.each<[string, Partial<OutcomeFacts>, string, number | null]>([
    ['a delivery wins over a later rejection', { delivered: 2, rejection: reply(550), quit: true }, 'delivered', 250],
    ['354 then hang-up with no body is a connection test', { inData: true, dataBytes: 0 }, 'connection-test', 354],
    ['hang-up mid-body is an abort', { inData: true, dataBytes: 120 }, 'aborted', null],
    ['timing out mid-body is an abort', { inData: true, dataBytes: 120, timedOut: true }, 'aborted', null],
    ['timing out with no body is not a connection test', { inData: true, dataBytes: 0, timedOut: true }, 'aborted', null],
    ['an idle timeout', { timedOut: true }, 'timed-out', 421],
    ['a 5xx to a transaction command', { rejection: reply(550), quit: true }, 'rejected', 550],
    ['a 4xx to a transaction command', { rejection: reply(451, 'end of DATA') }, 'deferred', 451],
    ['a failed AUTH', { authFailure: reply(535, 'AUTH PLAIN ****'), quit: true }, 'auth-failed', 535],
    ['a rejection outranks an earlier auth failure', { authFailure: reply(535), rejection: reply(530) }, 'rejected', 530],
    ['a server-initiated 421', { serverClosed: reply(421, 'NOOP') }, 'deferred', 421],
    ['leaving without QUIT', {}, 'dropped', null],
    ['QUIT without mail', { quit: true }, 'no-mail', null],
  ])('%s', (_name, overrides, outcome, code) => {
    expect(classify(facts(overrides))).toMatchObject({ outcome, code });
  });

  it('names the command a rejection answered', () => {
    expect(classify(facts({ rejection: { code: 550, text: '550 5.1.1 no such user', command: 'RCPT TO:<x@y>' } })).detail).toBe(
      '550 5.1.1 no such user (reply to RCPT TO:<x@y>)',
    );
  });
});
