import { oneLine } from './delivery-status.js';
import type { DsnStyle, StyleContext } from './style.js';

// Microsoft 365 / Outlook.com non-delivery reports. Source: a real NDR from 2018,
// sisimai/set-of-emails maildir/bsd/lhost-office365-04.eml: From "Microsoft Outlook
// <postmaster@outlook.com>", Subject "Undeliverable: <subject>", Content-Language, Auto-Submitted, Reporting-MTA dns;<host>.mail.protection.outlook.com,
// Received-From-MTA, X-Display-Name, and the text below (shortened: the observed NDR lists three
// remedies and an "For Email Admins" section). For a tenant the sender is postmaster@<tenant
// domain> (lhost-office365-01.eml, 03.eml). Delay and success reports: wording invented.

// Host names in the observed shapes (the NDR's generating server is its Reporting-MTA); the names are invented.
const GENERATING = 'DM6PR05HT247.mail.protection.outlook.com';
const SUBMITTING = 'DM6PR05MB4331.namprd05.prod.outlook.com';

function remoteHost(diagnostic: string | undefined, fallback: string | undefined): string {
  return fallback ?? (diagnostic ? 'The remote server' : 'Office 365');
}

function failureText(ctx: StyleContext): string {
  return ctx.request.recipients
    .map((r) => {
      const host = remoteHost(r.diagnostic, r.remoteMta);
      const error = oneLine(r.diagnostic ?? r.status);
      return [
        `${host} rejected your message to the following email addresses:`,
        '',
        `${r.address} (${r.address})`,
        "Your message couldn't be delivered. It appears that the email address you sent your message to wasn't found at the destination domain, or the recipient's mailbox is unavailable. The email address might be misspelled or it might not exist.",
        '',
        `${host} gave this error:`,
        error,
        '',
        'Diagnostic information for administrators:',
        '',
        `Generating server: ${GENERATING}`,
        '',
        r.address,
        `Remote Server returned '${error}'`,
        '',
      ].join('\r\n');
    })
    .join('\r\n');
}

function otherText(ctx: StyleContext): string {
  const list = ctx.request.recipients.map((r) => r.address).join('\r\n');
  if (ctx.kind === 'success') return `Your message has been delivered to the following recipients:\r\n\r\n${list}\r\n\r\nSubject: ${ctx.original.subject ?? ''}\r\n`;
  return `Delivery is delayed to these recipients or groups:\r\n\r\n${list}\r\n\r\nSubject: ${ctx.original.subject ?? ''}\r\n\r\nThis message hasn't been delivered yet. Delivery will continue to be attempted.\r\n`;
}

export const microsoft: DsnStyle = {
  // smtp.office365.com advertises DSN (its EHLO in https://github.com/PHPMailer/PHPMailer/issues/2647), so NOTIFY=SUCCESS,DELAY can be asked for.
  sends: { failure: true, delay: true, success: true },
  container: 'report',
  from: () => ({ name: 'Microsoft Outlook', address: 'postmaster@outlook.com' }),
  subject: (ctx) => `${{ failure: 'Undeliverable', delay: 'Delivery delayed', success: 'Delivered' }[ctx.kind]}: ${ctx.original.subject ?? ''}`,
  reportingMta: () => GENERATING,
  humanText: (ctx) => (ctx.kind === 'failure' ? failureText(ctx) : otherText(ctx)),
  // The observed NDR also has an empty X-MS-Exchange-Message-Is-Ndr header; nodemailer writes no empty headers.
  headers: () => [['Content-Language', 'en-US']],
  perMessage: () => [['Received-From-MTA', `dns;${SUBMITTING}`]],
  perRecipient: (r) => [['X-Display-Name', r.address]],
  // The remote reply wrapped the way the observed NDR wraps it (5.1.351 "Remote server returned …").
  defaultFailure: () => ({ status: '5.1.351', diagnostic: '550 5.1.351 Remote server returned unknown recipient or mailbox unavailable -> 550 5.1.1 User unknown' }),
};
