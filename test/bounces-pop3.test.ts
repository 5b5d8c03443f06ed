import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDsn } from '../server/bounces/dsn-builder.js';
import { DSN_STYLE_NAMES } from '../server/bounces/dsn-request.js';
import { DSN_STYLES } from '../server/bounces/styles.js';
import { silentLog } from '../server/ports/log.js';
import { Pop3Server } from '../server/pop3/pop3-server.js';
import { MemoryMaildrops } from './helpers/memory-maildrops.js';
import { python } from './helpers/processes.js';

// The two halves together, as the wiring will join them: DSNs for an Odoo ≤16 VERP bounce
// address put into its maildrop, fetched with poplib, and read the way Odoo's
// _message_parse_extract_bounce (addons/mail/models/mail_thread.py) reads them: the Final-Recipient of the
// delivery-status part's second block, and the returned message's Message-Id.

const VERP = 'bounce+123-res.partner-7@example.com';
const ORIGINAL = 'From: Odoo <notifications@example.com>\r\nTo: nobody@example.org\r\nSubject: Invoice\r\nMessage-Id: <abc.123@odoo.example.com>\r\n\r\nHello\r\n';

const drops = new MemoryMaildrops();
let server: Pop3Server;
let port: number;
beforeAll(async () => {
  server = new Pop3Server({ host: '127.0.0.1', port: 0, mode: 'plain', maildrops: drops, log: silentLog });
  port = (await server.listen()).port;
});
afterAll(() => server.close());

describe('DSNs served over POP3', () => {
  it('every provider style reaches the VERP mailbox and reads back as a bounce for nobody@example.org', async () => {
    for (const [n, style] of DSN_STYLE_NAMES.entries()) {
      const dsn = await buildDsn({
        style,
        original: { raw: Buffer.from(ORIGINAL), envelopeFrom: VERP, arrivedAt: 1_767_322_800_000 },
        recipients: [{ address: 'nobody@example.org', action: 'failed', ...DSN_STYLES[style].defaultFailure('nobody@example.org') }],
        hostname: 'mailsim.test',
        now: 1_767_322_860_000,
        id: `dsn${n}`,
      });
      drops.add(dsn!.envelope.to[0], dsn!.raw);
    }
    const result = await python(`
import email, json, poplib
from email import policy
p = poplib.POP3('127.0.0.1', ${port}, timeout=5)
p.user('${VERP}'); p.pass_('x')
out = []
for i in range(1, p.stat()[0] + 1):
    msg = email.message_from_bytes(b'\\r\\n'.join(p.retr(i)[1]), policy=policy.default)
    final, returned = None, None
    for part in msg.walk():
        if part.get_content_type() == 'message/delivery-status':
            final = str(part.get_payload()[1]['Final-Recipient']).split(';', 1)[1].strip()
        if part.get_content_type() == 'message/rfc822':
            returned = part.get_payload()[0]['Message-Id']
    out.append({'from': str(msg['From']), 'to': str(msg['To']), 'report': msg.get_content_type(), 'final': final, 'returned': returned, 'inReplyTo': msg['In-Reply-To']})
    p.dele(i)
p.quit()
print(json.dumps(out))`);
    expect(result.stderr).toBe('');
    const read = JSON.parse(result.stdout) as Array<Record<string, string | null>>;
    expect(read.map((m) => m.from)).toEqual(['Mail Delivery System <MAILER-DAEMON@mailsim.test>', 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'Microsoft Outlook <postmaster@outlook.com>', 'MAILER-DAEMON@yahoo.com', 'MAILER-DAEMON@amazonses.com']);
    for (const message of read) {
      expect(message.to).toBe(VERP);
      expect(message.inReplyTo).toBe('<abc.123@odoo.example.com>');
      // Yahoo's qmail-style bounce has no report part: Odoo falls back on In-Reply-To there.
      if (message.report === 'text/plain') continue;
      expect(message).toMatchObject({ report: 'multipart/report', final: 'nobody@example.org', returned: '<abc.123@odoo.example.com>' });
    }
    expect(drops.ids(VERP)).toEqual([]);
  });
});
