import addressparser from 'nodemailer/lib/addressparser';
import type { Addr } from './compose.js';

/** "Name <a@x>", "a@x" or several comma-separated: the mailboxes named (groups flattened). */
export function parseAddresses(text: string): Addr[] {
  return addressparser(text, { flatten: true })
    .filter((a) => a.address.includes('@'))
    .map((a) => ({ name: a.name, address: a.address }));
}
