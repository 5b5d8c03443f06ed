import { describe, expect, it } from 'vitest';
import { explainSession, outcomeTone, transcriptRows } from '../../ui/src/lib/explain.js';

const session = (Outcome: string, OutcomeCode: number | null, OutcomeDetail = '') => ({ Outcome, OutcomeCode, OutcomeDetail }) as Parameters<typeof explainSession>[0];

describe('plain-language explanations', () => {
  it('535: bad credentials, app passwords', () => {
    const e = explainSession(session('auth-failed', 535, '535 5.7.8 Username and Password not accepted'));
    expect(e?.title).toMatch(/Bad credentials/);
    expect(e?.detail).toMatch(/app password/);
  });

  it('530: STARTTLS required versus authentication required', () => {
    expect(explainSession(session('rejected', 530, '530 5.7.0 Must issue a STARTTLS command first'))?.title).toMatch(/STARTTLS required/);
    expect(explainSession(session('rejected', 530, '530 5.5.1 Authentication Required'))?.title).toMatch(/Authentication required/);
  });

  it.each([421, 450, 451, 454])('%i: temporary, retry later', (code) => {
    const e = explainSession(session('deferred', code, `${code} 4.7.0 Try again later`));
    expect(e?.title).toMatch(/retry later/);
    expect(e?.detail).toMatch(/retries/);
  });

  it('names greylisting when the reply says so', () => {
    expect(explainSession(session('deferred', 451, '451 4.7.1 Greylisted, please try again'))?.detail).toMatch(/greylisting/);
  });

  it('550/554: permanent; 5.1.1 is a missing mailbox, 5.7.x policy; 552 is size', () => {
    expect(explainSession(session('rejected', 550, '550 5.1.1 The email account does not exist'))?.detail).toMatch(/does not exist/);
    expect(explainSession(session('rejected', 554, '554 5.7.1 Message rejected as spam'))?.detail).toMatch(/policy/);
    expect(explainSession(session('rejected', 554, '554 5.7.1 rejected'))?.title).toMatch(/Permanent rejection \(554\)/);
    expect(explainSession(session('rejected', 552, '552 5.3.4 too big'))?.title).toMatch(/too large/);
  });

  it('no banner: firewall or timeout', () => {
    const e = explainSession({ ...session('dropped', null), Transcript: [{ At: 1, Dir: 'I', Text: 'connection from 127.0.0.1' }] });
    expect(e?.title).toMatch(/No greeting/);
    expect(e?.detail).toMatch(/firewall/);
  });

  it('other outcomes, and nothing to say about a delivery', () => {
    // mailsim's idle timeout answers 421: the client went quiet, it was not throttled (issue 11).
    expect(explainSession(session('timed-out', 421, '421 4.4.2 idle timeout'))?.title).toMatch(/silent/);
    expect(explainSession(session('timed-out', null))?.title).toMatch(/silent/);
    expect(explainSession(session('blackholed', 250))?.title).toMatch(/discarded/);
    expect(explainSession(session('tls-failed', null))?.title).toMatch(/TLS/);
    expect(explainSession(session('delivered', 250, '1 message delivered'))).toBeNull();
    expect(outcomeTone('delivered')).toBe('ok');
    expect(outcomeTone('rejected')).toBe('bad');
    expect(outcomeTone('something-new')).toBe('info');
  });

  it("shows the fired fault's own explanation from the transcript, not a guess from the code", () => {
    const note = "explanation: The Odoo database has sent its daily email allowance (200 emails a day on a subscription); Odoo refuses further mail until 23:00 UTC. | advice: Wait for the reset and Retry. | source: https://github.com/odoo/documentation"; // prettier-ignore
    const e = explainSession({ ...session('rejected', 554, '554 5.7.1 Daily email limit reached'), Transcript: [{ At: 1, Dir: 'I', Text: "fault: limit 'subscription-daily-limit' at data-end: ..." }, { At: 1, Dir: 'I', Text: note }] });
    expect(e).toEqual({
      title: 'The Odoo database has sent its daily email allowance (200 emails a day on a subscription); Odoo refuses further mail until 23:00 UTC',
      detail: 'Wait for the reset and Retry.',
      source: 'https://github.com/odoo/documentation',
    });
  });

  it('without a fault explanation, never reads more into a code than it says (issue 11)', () => {
    const quota = explainSession(session('rejected', 550, '550 5.4.5 Daily user sending limit exceeded'))!;
    expect(quota.detail).toMatch(/daily sending limit/);
    const policy = explainSession(session('rejected', 554, '554 5.7.1 Daily email limit reached'))!;
    for (const e of [quota, policy]) expect(e.detail).not.toMatch(/SPF|DKIM|does not exist/);
    expect(explainSession(session('auth-failed', 534, '534 5.7.9 Application-specific password required'))?.title).toBe('Stronger authentication required (534)');
  });

  it('marks fault decisions and timings in transcripts', () => {
    const rows = transcriptRows([
      { At: 1000, Dir: 'S', Text: '220 hi' },
      { At: 1010, Dir: 'C', Text: 'EHLO x' },
      { At: 1500, Dir: 'I', Text: 'fault: rule greylist matched, 451' },
      { At: 1501, Dir: 'I', Text: 'message stored as X' },
    ]);
    expect(rows.map((r) => [r.offsetMs, r.gapMs, r.fault])).toEqual([
      [0, 0, false],
      [10, 10, false],
      [500, 490, true],
      [501, 1, false],
    ]);
  });
});
