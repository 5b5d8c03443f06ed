/**
 * The addresses of an address-list header (From, RFC 5322 §3.4): `a@b`, `Name <a@b>`,
 * `"Doe, John" <j@x>`, `a@b (comment)`, separated by commas outside quotes, comments and angle
 * brackets. One pass over a bounded prefix: a From of 80,000 commas costs 80,000 steps, not the
 * 3·10⁹ of the lookahead split it replaces, and a rule never looks past the first addresses.
 */
export const ADDRESS_LIST_LIMITS = {
  /** Characters that are looked at (fromAddresses spends them over all From values). */
  chars: 16 * 1024,
  /** Addresses taken from one value. */
  addresses: 100,
};

/** One element of the list: its angle-addr if it has one (`Name <a@b>`), else its text. */
class Element {
  inAngle = false;
  #text = '';
  #angle: string | undefined;

  add(text: string): void {
    if (this.inAngle) this.#angle += text;
    else this.#text += text;
  }

  open(): void {
    this.inAngle = true;
    this.#angle ??= '';
  }

  address(): string {
    return (this.#angle ?? this.#text).trim();
  }
}

export function addressList(value: string, limits = ADDRESS_LIST_LIMITS): string[] {
  const end = Math.min(value.length, limits.chars);
  const addresses: string[] = [];
  const take = (element: Element) => {
    const address = element.address();
    if (address !== '' && addresses.length < limits.addresses) addresses.push(address);
  };
  let element = new Element();
  let quoted = false;
  let comment = 0;
  for (let i = 0; i < end && addresses.length < limits.addresses; i++) {
    const char = value[i] as string;
    if (comment > 0) {
      // Comments nest and may escape a parenthesis (RFC 5322 §3.2.2); they are not part of the address.
      if (char === '\\') i++;
      else if (char === '(') comment++;
      else if (char === ')') comment--;
    } else if (quoted) {
      if (char === '"') quoted = false;
      element.add(char === '\\' && i + 1 < end ? char + value[++i] : char);
    } else if (char === '(') comment = 1;
    else if (char === '<') element.open();
    else if (char === '>') element.inAngle = false;
    else if (char === ',' && !element.inAngle) {
      take(element);
      element = new Element();
    } else {
      if (char === '"') quoted = true;
      element.add(char);
    }
  }
  // A value cut short by the limit ends in a partial address: leave it out rather than misread it.
  if (end === value.length) take(element);
  return addresses;
}
