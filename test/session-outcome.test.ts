import { describe, expect, it } from 'vitest';
import { classify, emptyFacts, type OutcomeFacts } from '../server/smtp/session-outcome.js';

const facts = (overrides: Partial<OutcomeFacts>): OutcomeFacts => ({ ...emptyFacts(), ...overrides });
const reply = (code: number, command = 'RCPT TO:<a@b>') => ({ code, text: 'text', command });
/** The session's first transaction failed with this reply. */
const failed = (code: number, command?: string, index = 1, total = 1): Partial<OutcomeFacts> => {
  const failure = { index, reply: reply(code, command), partial: false };
  return { transactions: { total, permanent: code >= 500 ? failure : null, temporary: code < 500 ? failure : null } };
};

describe('session outcome', () => {
  it.each<[string, Partial<OutcomeFacts>, string, number | null]>([
    ['a later rejection is not hidden by a delivery', { delivered: 2, ...failed(550, undefined, 3, 3), quit: true }, 'rejected', 550],
    ['a later 421 is not hidden by a delivery', { delivered: 1, ...failed(421, 'MAIL FROM:<a@b>', 2, 2), quit: true }, 'deferred', 421],
    ['deliveries alone', { delivered: 2, quit: true }, 'delivered', 250],
    ['354 then hang-up with no body is a connection test', { inData: true, dataBytes: 0 }, 'connection-test', 354],
    ['hang-up mid-body is an abort', { inData: true, dataBytes: 120 }, 'aborted', null],
    ['timing out mid-body is an abort', { inData: true, dataBytes: 120, timedOut: true }, 'aborted', null],
    ['timing out with no body is not a connection test', { inData: true, dataBytes: 0, timedOut: true }, 'aborted', null],
    ['an idle timeout', { timedOut: true }, 'timed-out', 421],
    ['a 5xx to a transaction command', { ...failed(550), quit: true }, 'rejected', 550],
    ['a 4xx to a transaction command', failed(451, 'end of DATA'), 'deferred', 451],
    ['a failed AUTH', { authFailure: reply(535, 'AUTH PLAIN ****'), quit: true }, 'auth-failed', 535],
    ['a rejection outranks an earlier auth failure', { authFailure: reply(535), ...failed(530) }, 'rejected', 530],
    ['a stall the client gave up on with QUIT is a time-out', { stalledBy: "rule 'no-banner'", quit: true }, 'timed-out', null],
    ['a server-initiated 421', { serverClosed: reply(421, 'NOOP') }, 'deferred', 421],
    ['leaving without QUIT', {}, 'dropped', null],
    ['QUIT without mail', { quit: true }, 'no-mail', null],
  ])('%s', (_name, overrides, outcome, code) => {
    expect(classify(facts(overrides))).toMatchObject({ outcome, code });
  });

  it('names the command a rejection answered', () => {
    const failure = { index: 1, reply: { code: 550, enhanced: '5.1.1', text: 'no such user', command: 'RCPT TO:<x@y>' }, partial: false };
    expect(classify(facts({ transactions: { total: 1, permanent: failure, temporary: null } })).detail).toBe('550 5.1.1 no such user (reply to RCPT TO:<x@y>)');
  });

  it('names the transaction that failed after deliveries', () => {
    const failure = { index: 3, reply: { code: 421, enhanced: '4.7.0', text: 'Try again later', command: 'MAIL FROM:<a@b>', fault: "limit 'hourly'" }, partial: false };
    expect(classify(facts({ delivered: 2, transactions: { total: 3, permanent: null, temporary: failure } })).detail).toBe(
      "2 messages delivered; transaction 3: 421 4.7.0 Try again later (reply to MAIL FROM:<a@b>) [limit 'hourly']",
    );
  });
});
