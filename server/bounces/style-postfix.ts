import { oneLine } from './delivery-status.js';
import type { DsnStyle, StyleContext } from './style.js';
import { HOUR_MS } from '../util/duration.js';

// The default: an ordinary MTA, as Postfix writes it. Sources: the bounce templates of
// Debian's Postfix 3 (`postconf -t`: From, Subject and the three texts, verbatim apart from the
// host name) and a real Postfix DSN, sisimai/set-of-emails maildir/bsd/lhost-postfix-01.eml
// (2013: From "MAILER-DAEMON@host (Mail Delivery System)", Auto-Submitted, X-Postfix-* fields,
// part descriptions Notification / Delivery report / Undelivered Message).

const SIGNATURE = '                   The mail system';
const ASSISTANCE = 'For further assistance, please send mail to postmaster.\r\n\r\nIf you do so, please include this problem report. You can\r\ndelete your own text from the attached returned message.';

function intro(ctx: StyleContext): string {
  const host = ctx.request.hostname;
  switch (ctx.kind) {
    case 'failure':
      return `This is the mail system at host ${host}.\r\n\r\nI'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients. It's attached below.\r\n\r\n${ASSISTANCE}`;
    case 'delay': {
      const { arrivedAt } = ctx.request.original;
      const hours = Math.floor((ctx.request.now - arrivedAt) / HOUR_MS);
      const until = ctx.request.recipients[0]?.willRetryUntil;
      const days = until === undefined ? 5 : Math.max(1, Math.round((until - arrivedAt) / (24 * HOUR_MS)));
      const banner = '#'.repeat(68);
      return `This is the mail system at host ${host}.\r\n\r\n${banner}\r\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n${banner}\r\n\r\nYour message could not be delivered for more than ${hours} hour(s).\r\nIt will be retried until it is ${days} day(s) old.\r\n\r\n${ASSISTANCE}`;
    }
    case 'success':
      return `This is the mail system at host ${host}.\r\n\r\nYour message was successfully delivered to the destination(s)\r\nlisted below. If the message was delivered to mailbox you will\r\nreceive no further notifications. Otherwise you may still receive\r\nnotifications of mail delivery errors from other systems.`;
  }
}

export const postfix: DsnStyle = {
  sends: { failure: true, delay: true, success: true },
  container: 'report',
  // The template's form (`postconf -t`); the 2013 sample shows the same mailbox as "MAILER-DAEMON@host (Mail Delivery System)".
  from: (ctx) => ({ name: 'Mail Delivery System', address: `MAILER-DAEMON@${ctx.request.hostname}` }),
  subject: (ctx) => ({ failure: 'Undelivered Mail Returned to Sender', delay: 'Delayed Mail (still being retried)', success: 'Successful Mail Delivery Report' })[ctx.kind],
  reportingMta: (ctx) => ctx.request.hostname,
  humanText(ctx) {
    // One line per recipient after the signature, "<addr>: <why>" as in lhost-postfix-01.eml;
    // the exact wording Postfix puts around a remote reply ("host … said: …") is not copied here.
    const lines = ctx.request.recipients.map((r) => `<${r.address}>: ${r.diagnostic ? oneLine(r.diagnostic) : ctx.kind === 'success' ? 'delivery via mailsim: 250 2.0.0 Ok' : r.status}`);
    return `${intro(ctx)}\r\n\r\n${SIGNATURE}\r\n\r\n${lines.join('\r\n')}\r\n`;
  },
  perMessage: (ctx) => [
    // The queue ID is mailsim's own token; the sender field is Postfix's (lhost-postfix-01.eml).
    ['X-Postfix-Queue-ID', ctx.request.id.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toUpperCase()],
    ['X-Postfix-Sender', `rfc822; ${ctx.request.original.envelopeFrom}`],
  ],
  // "Undelivered Message" is observed; the delay and success labels are mailsim's (invented).
  descriptions: (ctx) => ['Notification', 'Delivery report', { failure: 'Undelivered Message', delay: 'Delayed Message', success: 'Delivered Message' }[ctx.kind]],
  // Postfix as the receiving MX: smtpd_check.c's unknown-user reply (vdukhovni/postfix
  // postfix/src/smtpd/smtpd_check.c).
  defaultFailure: (address) => ({ status: '5.1.1', diagnostic: `550 5.1.1 <${address}>: Recipient address rejected: User unknown in local recipient table` }),
};
