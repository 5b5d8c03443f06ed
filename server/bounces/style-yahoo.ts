import { oneLine } from './delivery-status.js';
import type { DsnStyle } from './style.js';

// Yahoo Mail's MAILER-DAEMON: not multipart/report but one text/plain part in the qmail style,
// the original pasted under "--- Below this line is a copy of the message." Source: a real one
// from 2018, sisimai/set-of-emails maildir/bsd/lhost-yahoo-06.eml (From MAILER-DAEMON@yahoo.com,
// Subject "Failure Notice", the text below verbatim). Odoo's email FAQ (odoo/documentation
// content/applications/general/email_communication/faq.rst) quotes that footer under the "This
// mailbox is disabled (554.30)" bounce its users meet; the 554.30 reply itself is Yahoo's MX
// answering the end of DATA (https://github.com/moneymanagerex/android-money-manager-ex/issues/1517), used here as the default diagnostic. That Yahoo's own
// MAILER-DAEMON is what wrapped it for those users is not verified.

export const yahoo: DsnStyle = {
  // No DSN in Yahoo's EHLO (https://github.com/PHPMailer/PHPMailer/issues/1287): nothing asks for delay or success reports.
  sends: { failure: true, delay: false, success: false },
  container: 'plain',
  from: () => ({ address: 'MAILER-DAEMON@yahoo.com' }),
  subject: () => 'Failure Notice',
  reportingMta: () => 'mta4007.mail.ne1.yahoo.com',
  humanText: (ctx) => {
    const lines = ctx.request.recipients.map((r) => `<${r.address}>:\r\n${oneLine(r.diagnostic ?? r.status)}`);
    return `Sorry, we were unable to deliver your message to the following address.\r\n\r\n${lines.join('\r\n\r\n')}\r\n\r\n--- Below this line is a copy of the message.\r\n\r\n`;
  },
  defaultFailure: (address) => ({ status: '5.0.0', diagnostic: `554 30 Sorry, your message to ${address} cannot be delivered. This mailbox is disabled (554.30).` }),
};
