import type { DsnStyle, StyleContext } from './style.js';
import { addresses } from './style.js';
import { HOUR_MS } from '../util/duration.js';

// Gmail's MAILER-DAEMON. Sources (sisimai/set-of-emails, maildir/bsd/): rfc3464-51.eml (2017
// failure: multipart/report, "** Address not found **" text, Reporting-MTA: dns; googlemail.com,
// X-Original-Message-ID, In-Reply-To/References, Auto-Submitted), rhost-gsuite-06.eml (2017 delay:
// "** Delivery incomplete **", Will-Retry-Until), lhost-googleworkspace-01.eml (2023: "** Message
// not delivered **", X-Failed-Recipients); From and the Subjects also in sisimai's lhost-gmail-01.eml (2014).
// Gmail adds an HTML alternative and an icon to the text part; mailsim sends the text alone.


function failureText(ctx: StyleContext): string {
  return ctx.request.recipients
    .map((r) => {
      const reply = r.diagnostic ?? r.status;
      if (r.status.startsWith('5.1.')) {
        return `\r\n** Address not found **\r\n\r\nYour message wasn't delivered to ${r.address} because the address couldn't be found. Check for typos or unnecessary spaces and try again.\r\n\r\n\r\n\r\nThe response from the remote server was:\r\n${reply}\r\n`;
      }
      // The sentence under "Message not delivered" varies with the cause; this one is mailsim's (invented).
      return `\r\n** Message not delivered **\r\n\r\nThere was a problem delivering your message to ${r.address}. See the technical details below.\r\n\r\nThe response was:\r\n\r\n${reply}\r\n`;
    })
    .join('');
}

function delayText(ctx: StyleContext): string {
  return ctx.request.recipients
    .map((r) => {
      const hours = r.willRetryUntil === undefined ? 47 : Math.max(1, Math.round((r.willRetryUntil - ctx.request.now) / HOUR_MS));
      return `\r\n** Delivery incomplete **\r\n\r\nThere was a temporary problem delivering your message to ${r.address}. Gmail will retry for ${hours} more hours. You'll be notified if the delivery fails permanently.\r\n\r\nLearn more here: https://support.google.com/mail/answer/7720\r\n\r\nThe response was:\r\n\r\n${r.diagnostic ?? r.status}\r\n`;
    })
    .join('');
}

export const gmail: DsnStyle = {
  // smtp.gmail.com does not offer DSN (its EHLO in https://github.com/PHPMailer/PHPMailer/issues/1384), so no NOTIFY=SUCCESS can ask
  // for a success report; delays it reports unasked (rhost-gsuite-06.eml).
  sends: { failure: true, delay: true, success: false },
  container: 'report',
  from: () => ({ name: 'Mail Delivery Subsystem', address: 'mailer-daemon@googlemail.com' }),
  subject: (ctx) => (ctx.kind === 'delay' ? 'Delivery Status Notification (Delay)' : 'Delivery Status Notification (Failure)'),
  reportingMta: () => 'googlemail.com',
  humanText: (ctx) => (ctx.kind === 'delay' ? delayText(ctx) : failureText(ctx)),
  headers: (ctx) => (ctx.kind === 'failure' ? [['X-Failed-Recipients', addresses(ctx.request.recipients.filter((r) => r.action === 'failed')).join(', ')]] : []),
  perMessage: (ctx) => (ctx.original.messageId ? [['X-Original-Message-ID', ctx.original.messageId]] : []),
  // Gmail's MX wording for an unknown user (single-line form in ActiveCampaign/smtp-field-manual
  // data/codes/550.json; Google's https://support.google.com/a/answer/3726730).
  defaultFailure: () => ({ status: '5.1.1', diagnostic: "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. Learn more at https://support.google.com/mail/?p=NoSuchUser - gsmtp" }),
};
