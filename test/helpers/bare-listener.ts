import { FaultController } from '../../server/faults/controller.js';
import { scenarioSchema } from '../../server/faults/schema.js';
import { systemClock } from '../../server/ports/contracts.js';
import { silentLog } from '../../server/ports/log.js';
import { SmtpListener, type ListenerOptions } from '../../server/smtp/listener.js';

/**
 * One SmtpListener on 127.0.0.1, port 0, with no harness around it (no store, no sessions kept,
 * the default scenario, a silent log): for tests that hit the SMTP adapter with raw sockets and
 * count what reaches the sink. `messages` is the test's own sink; any other option overrides.
 */
export function bareListener(options: Partial<ListenerOptions> & Pick<ListenerOptions, 'messages'>): SmtpListener {
  const maxMessageSize = options.maxMessageSize ?? 1024 * 1024;
  const scenario = { ...scenarioSchema.parse({}), name: 'default' };
  return new SmtpListener({
    host: '127.0.0.1',
    port: 0,
    hostname: 'mailsim.test',
    maxMessageSize,
    idleTimeoutMs: 30_000,
    scenario: 'default',
    mode: 'plain',
    scenarios: () => scenario,
    faults: new FaultController({ clock: systemClock, defaults: { hostname: 'mailsim.test', maxMessageSize } }),
    sessions: { opened: () => {}, closed: () => {} },
    clock: systemClock,
    onFault: () => {},
    log: silentLog,
    ...options,
  });
}
