import { describe, expect, it } from 'vitest';
import { ADDRESS_LIST_LIMITS, addressList } from '../../server/faults/address-list.js';

describe('addressList', () => {
  it.each([
    ['a@b.example', ['a@b.example']],
    ['Joe <j@x.example>', ['j@x.example']],
    ['"Doe, John" <j@x.example>, b@y.example', ['j@x.example', 'b@y.example']],
    ['a@b.example (Comment, with a comma), c@d.example', ['a@b.example', 'c@d.example']],
    ['(nested (comment, here)) a@b.example', ['a@b.example']],
    ['"quoted \\" comma," <q@x.example>', ['q@x.example']],
    ['<"a,b"@x.example>', ['"a,b"@x.example']],
    ['Name <a@b.example> (says hi), Other <c@d.example>', ['a@b.example', 'c@d.example']],
    [',,, a@b.example ,,,', ['a@b.example']],
    ['', []],
  ])('%s → %j', (value, expected) => {
    expect(addressList(value)).toEqual(expected);
  });

  it('reads an 80,000-comma From in one pass and finds its one address', () => {
    expect(addressList(`a@verified.example${','.repeat(80_000)}`)).toEqual(['a@verified.example']);
    expect(addressList(`${','.repeat(80_000)}late@x.example`)).toEqual([]);
  });

  it('takes at most the first 100 addresses, and drops one the character limit cuts in half', () => {
    const many = Array.from({ length: 500 }, (_, i) => `u${i}@x.example`).join(', ');
    const taken = addressList(many);
    expect(taken).toHaveLength(ADDRESS_LIST_LIMITS.addresses);
    expect(taken.at(-1)).toBe('u99@x.example');
    expect(addressList('a@x.example, bbbbbbbb@y.example', { chars: 20, addresses: 10 })).toEqual(['a@x.example']);
  });
});
