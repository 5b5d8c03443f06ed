import { describe, expect, it } from 'vitest';
import { greylistSender } from '../../server/faults/greylist-sender.js';
import { validateScenario } from '../../server/faults/validate.js';
import { ctx, DAY, engine, HOUR, outcome, reply } from './helpers.js';

const postgrey = { name: 'greylist', kind: 'greylist' as const, reply: reply(450, 'Greylisted ({seconds}s)', '4.2.0') };
const rcpt = (sender: string, recipient = 'user@example.com', clientAddress = '192.0.2.10', id = 's1') => ctx('rcpt', { sender, recipient, session: { clientAddress, id } });
const dataEnd = (id = 's1') => ctx('data-end', { sender: 'a@b', recipients: ['user@example.com'], message: { size: 1, headers: {} }, session: { id } });

describe("postgrey's sender normalisation", () => {
  it.each([
    ['bounce+123-mail.mail-45@odoo.example.com', 'bounce@odoo.example.com'],
    ['Bounce+9@Odoo.Example.com', 'bounce@odoo.example.com'],
    ['list-bounces-4711@lists.example.org', 'list-bounces-#@lists.example.org'],
    ['user.2024@example.org', 'user.#@example.org'],
    ['a1b2@example.org', 'a1b2@example.org'],
    ['prvs=0123456789=alice@example.org', 'alice@example.org'],
    ['prvs=alice=0123456789@example.org', 'alice@example.org'],
    ['', ''],
    ['postmaster', 'postmaster'],
  ])('%s → %s', (sender, key) => {
    expect(greylistSender(sender)).toBe(key);
  });

  it("Odoo's per-message bounce addresses are one triple: the retry of the next message passes", () => {
    const { engine: e, clock } = engine({ limits: [postgrey] });
    expect(outcome(e.decide(rcpt('bounce+101-mail.mail-7@odoo.example.com')))).toMatch(/^450/);
    clock.advance(300_000);
    expect(outcome(e.decide(rcpt('bounce+102-mail.mail-8@odoo.example.com')))).toBe('continue');
    expect(outcome(e.decide(rcpt('bounce+103-mail.mail-9@odoo.example.com')))).toBe('continue');
  });
});

describe('postgrey retry window, auto-whitelist and X-Greylist', () => {
  it('a deferred triple whose first retry comes after the retry window starts over', () => {
    const { engine: e, clock } = engine({ limits: [{ ...postgrey, retryWindow: '2d' }] });
    e.decide(rcpt('a@shop.example'));
    clock.advance(2 * DAY + 1000);
    const late = e.decide(rcpt('a@shop.example'));
    expect(outcome(late)).toBe('450 4.2.0 Greylisted (300s)');
    expect(late.fired[0]?.reason).toContain('retry after the 2d retry window, the delay starts again');
    clock.advance(300_000);
    expect(outcome(e.decide(rcpt('a@shop.example')))).toBe('continue');
  });

  it('whitelists a client after 5 triples got through after waiting (at most one counted per hour); until it is forgotten', () => {
    const { engine: e, clock } = engine({ limits: [{ ...postgrey, forget: '10d' }] });
    const passOnce = (n: number) => {
      e.decide(rcpt(`sender${'x'.repeat(n)}@shop.example`));
      clock.advance(300_000);
      expect(outcome(e.decide(rcpt(`sender${'x'.repeat(n)}@shop.example`)))).toBe('continue');
    };
    passOnce(1);
    passOnce(2); // within the hour: not counted
    expect(e.counters().find((c) => c.key.startsWith('auto-whitelist'))).toMatchObject({ key: 'auto-whitelist 192.0.2.10', count: 1, max: 5 });
    for (let n = 3; n <= 6; n++) {
      clock.advance(HOUR);
      passOnce(n);
    }
    expect(outcome(e.decide(rcpt('brand-new@elsewhere.example')))).toBe('continue');
    // The whitelist is per client address, not per network.
    expect(outcome(e.decide(rcpt('brand-new@elsewhere.example', 'user@example.com', '192.0.2.11')))).toMatch(/^450/);
    clock.advance(10 * DAY);
    expect(outcome(e.decide(rcpt('other@elsewhere.example')))).toMatch(/^450/);
  });

  it('autoWhitelist: 0 never whitelists', () => {
    const { engine: e, clock } = engine({ limits: [{ ...postgrey, autoWhitelist: 0 }] });
    for (let n = 0; n < 8; n++) {
      e.decide(rcpt(`s${'x'.repeat(n)}@a.example`));
      clock.advance(HOUR);
      e.decide(rcpt(`s${'x'.repeat(n)}@a.example`));
    }
    expect(outcome(e.decide(rcpt('new@a.example')))).toMatch(/^450/);
  });

  it('the message a triple first passed with gets one X-Greylist header at end of DATA, later messages none', () => {
    const { engine: e, clock } = engine({ limits: [postgrey] });
    e.decide(rcpt('a@shop.example'));
    e.decide(rcpt('a@shop.example', 'other@example.com'));
    clock.advance(312_400);
    expect(outcome(e.decide(rcpt('a@shop.example')))).toBe('continue');
    expect(outcome(e.decide(rcpt('a@shop.example', 'other@example.com')))).toBe('continue');
    expect(e.decide(dataEnd()).prependHeaders).toEqual(['X-Greylist: delayed 312 seconds by postgrey-1.37 at mailsim.test; Sat, 21 Nov 2026 12:05:12 +0000']);
    expect(outcome(e.decide(rcpt('a@shop.example')))).toBe('continue');
    expect(e.decide(dataEnd()).prependHeaders).toBeUndefined();
  });

  it('no header with header: false, nor when the message is refused or the transaction reset', () => {
    const { engine: off, clock } = engine({ limits: [{ ...postgrey, header: false }] });
    off.decide(rcpt('a@shop.example'));
    clock.advance(300_000);
    off.decide(rcpt('a@shop.example'));
    expect(off.decide(dataEnd()).prependHeaders).toBeUndefined();

    const { engine: e, clock: c } = engine({ limits: [postgrey] });
    e.decide(rcpt('a@shop.example'));
    c.advance(300_000);
    e.decide(rcpt('a@shop.example'));
    e.decide(ctx('rset', { session: { id: 's1' } }));
    expect(e.decide(dataEnd()).prependHeaders).toBeUndefined();
  });

  it('validation: the header is one "Name: value" line', () => {
    for (const header of ['X-Greylist: a\r\nBcc: x@y', 'no colon here']) {
      const result = validateScenario({ limits: [{ ...postgrey, header }] });
      expect(result.ok ? 'ok' : result.issue).toEqual({ path: ['limits', 0, 'header'], message: 'a header line "Name: value", on one line' });
    }
  });
});
