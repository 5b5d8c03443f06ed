/**
 * The providers whose MAILER-DAEMON mailsim can speak as (server/bounces/style-*.ts). Here, in
 * util, because the scenario schema (server/faults/) names them and may not import server/bounces.
 */
export const DSN_STYLE_NAMES = ['postfix', 'gmail', 'microsoft', 'yahoo', 'ses'] as const;
export type DsnStyleName = (typeof DSN_STYLE_NAMES)[number];
