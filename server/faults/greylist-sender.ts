/**
 * The sender as postgrey keys it (schweikert/postgrey, `do_sender_substitutions`): the parts of
 * an envelope sender that change from message to message are dropped, so a bounce address per
 * message (VERP: Odoo's `bounce+123-mail.mail-45@…`, a mailing list's `list+user=x@…`) or a BATV
 * signature does not make every message a new triple that is greylisted again.
 *  - BATV `prvs=TAG=local@` (or the swapped `prvs=local=TAG@`): the local part without the tag;
 *  - a `+extension` is cut off;
 *  - every stand-alone run of digits becomes `#`.
 * Lower-cased, as postgrey lower-cases the whole key.
 */
export function greylistSender(address: string): string {
  const at = address.indexOf('@');
  if (at < 0) return address.toLowerCase();
  const domain = address.slice(at + 1);
  let user = unwrapBatv(address.slice(0, at));
  const plus = user.indexOf('+');
  if (plus >= 0) user = user.slice(0, plus);
  return `${user.replace(/\b\d+\b/g, '#')}@${domain}`.toLowerCase();
}

/** A BATV tag is a 10-character key-and-timestamp (RFC draft-levine-smtp-batv: prvs=KDDDSSSSSS). */
const BATV_TAG = /^[0-9a-z]{10}/i;

function unwrapBatv(user: string): string {
  if (!/^prvs=/i.test(user)) return user;
  const parts = user.split('=');
  if (parts.length !== 3) return user;
  const [, a, b] = parts as [string, string, string];
  // Either order occurs in the wild; when both or neither look like a tag, the standard order wins.
  if (BATV_TAG.test(b) && !BATV_TAG.test(a)) return a;
  return b;
}
