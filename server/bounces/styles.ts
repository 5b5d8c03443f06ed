import type { DsnStyleName } from './dsn-request.js';
import type { DsnStyle } from './style.js';
import { gmail } from './style-gmail.js';
import { microsoft } from './style-microsoft.js';
import { postfix } from './style-postfix.js';
import { ses } from './style-ses.js';
import { yahoo } from './style-yahoo.js';

/**
 * The providers whose bounces reach the sender as mail. SendGrid and Mailgun have none here:
 * they put their own bounce address in the envelope and report bounces to the application as
 * webhook events (server/provider-events/); no DSN of theirs reaching a sender is documented by them
 * or seen in the sample bounces read for this (sisimai/set-of-emails).
 */
export const DSN_STYLES: Record<DsnStyleName, DsnStyle> = { postfix, gmail, microsoft, yahoo, ses };
