import { Router } from 'express';
import type { MailboxPort } from '../../ports/mailbox.js';
import type { AppInfo } from '../../protocol.js';

export interface SystemDeps {
  mailbox: MailboxPort;
  version: string;
  /** True once every listener is accepting and the store is open. */
  ready: () => boolean;
  /** Resets everything a test run can leave behind (messages, sessions, counters). */
  reset: () => Promise<void>;
  /** --smtp-relay-*: Mailpit's MessageRelay block, when a relay is configured. */
  relay?: { info(): object } | undefined;
}

export function systemRouter({ mailbox, version, ready, reset, relay }: SystemDeps): Router {
  const router = Router();

  router.get('/api/v1/info', (_req, res) => {
    const { Messages, Unread, DatabaseSize, Database, ...runtime } = mailbox.stats();
    res.json({
      Version: version,
      LatestVersion: version,
      Database,
      DatabaseSize,
      Messages,
      Unread,
      Tags: mailbox.tagCounts(),
      RuntimeStats: runtime,
    } satisfies AppInfo);
  });

  // Mailpit's web UI configuration, read by Mailpit clients to detect features.
  router.get('/api/v1/webui', (_req, res) => {
    res.json({
      Label: 'mailsim',
      MessageRelay: relay?.info() ?? { Enabled: false, SMTPServer: '', ReturnPath: '', AllowedRecipients: '', BlockedRecipients: '', OverrideFrom: '', PreserveMessageIDs: false },
      SpamAssassin: false,
      // Mailpit's chaos API (/api/v1/chaos) is always on here, mapped onto the fault engine.
      ChaosEnabled: true,
      DuplicatesIgnored: false,
      HideDeleteAllButton: false,
    });
  });

  router.post('/api/v1/reset', async (_req, res) => {
    await reset();
    res.type('text/plain').send('ok');
  });

  router.get('/livez', (_req, res) => {
    res.type('text/plain').send('ok');
  });

  // 503 names the reason: "starting", or why the store takes no mail (a full disk, its writer gone).
  router.get('/readyz', (_req, res) => {
    if (ready()) return res.type('text/plain').send('ok');
    const store = mailbox.storeState();
    res.status(503).type('text/plain').send(store.state === 'ok' ? 'starting' : store.reason);
  });

  return router;
}
