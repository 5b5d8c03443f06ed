import { oneLine } from './delivery-status.js';
import type { DsnStyle } from './style.js';

// Amazon SES bounce messages (email feedback forwarding to the Return-Path). Source: a real SES
// DSN from 2012 kept as a test fixture in OTRS's PostMaster tests (From MAILER-DAEMON@amazonses.com,
// Subject "Delivery Status Notification (Failure)", the text below, Status "5.0.0 (permanent
// failure)", Diagnostic-Code "smtp; …"); older ones came from MAILER-DAEMON@email-bounces.amazonses.com
// (sisimai lhost-amazonses-01.eml, 2011). The reporting host is the one in the SES docs'
// delivery example (notification-contents.md). SES reports soft bounces only once it stops
// retrying ("notifications for hard bounces, as well as for soft bounces that it stopped trying
// to deliver", same page), so it sends no delay DSNs; success reports: not known, so none.

export const ses: DsnStyle = {
  sends: { failure: true, delay: false, success: false },
  container: 'report',
  from: () => ({ address: 'MAILER-DAEMON@amazonses.com' }),
  subject: () => 'Delivery Status Notification (Failure)',
  reportingMta: () => 'a8-70.smtp-out.amazonses.com',
  statusComment: true,
  humanText: (ctx) =>
    ctx.request.recipients
      .map((r) => `The following message to <${r.address}> was undeliverable.\r\nThe reason for the problem:\r\n${r.status} - ${oneLine(r.diagnostic ?? 'Delivery failed')}\r\n`)
      .join('\r\n'),
  // What SES's own docs show a bounce's diagnosticCode as ("smtp; 550 user unknown").
  defaultFailure: () => ({ status: '5.1.1', diagnostic: '550 5.1.1 user unknown' }),
};
