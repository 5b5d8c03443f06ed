import { describe, expect, it } from 'vitest';
import { setImpliedBcc } from '../server/mail/implied-bcc.js';
import type { MessageSummary } from '../server/protocol.js';

// The published summary of a message to 100,000 recipients builds its Bcc list only when
// something reads it (bench:hostile item 8b); whoever reads it sees what an eager list showed.
const summary = (): MessageSummary => ({ To: [{ Name: '', Address: 'To@example.org' }], Cc: [], Bcc: [{ Name: 'B', Address: 'b@example.org' }] }) as unknown as MessageSummary;

describe('a summary with its implied Bcc', () => {
  it('lists the envelope-only recipients after the Bcc header, for JSON, spread and reads alike, built once', () => {
    const s = summary();
    setImpliedBcc(s, ['to@example.org', 'hidden@example.net']);
    const expected = [{ Name: 'B', Address: 'b@example.org' }, { Name: '', Address: 'hidden@example.net' }];
    expect(JSON.parse(JSON.stringify(s)).Bcc).toEqual(expected);
    expect({ ...s }.Bcc).toEqual(expected);
    expect(s.Bcc).toBe(s.Bcc);
    expect(Object.getOwnPropertyDescriptor(s, 'Bcc')).toMatchObject({ value: expected, enumerable: true, writable: true });
  });

  it('can be replaced before it is read', () => {
    const s = summary();
    setImpliedBcc(s, ['x@example.org']);
    s.Bcc = [];
    expect(s.Bcc).toEqual([]);
  });
});
