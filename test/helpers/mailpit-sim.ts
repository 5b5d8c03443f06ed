import { MailpitClient } from 'mailpit-api';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ConfigInput } from '../../server/config/config.js';
import { startSim, type TestSim, type Transporter } from './sim.js';

export interface MailpitSim {
  sim: TestSim;
  /** The real `mailpit-api` npm client, pointed at the sim. */
  mailpit: MailpitClient;
  /** A pooled nodemailer transport to the sim's first listener. */
  transport: Transporter;
}

/**
 * One mailsim for the whole file, driven as a Mailpit user drives Mailpit: the `mailpit-api`
 * client for the API and nodemailer for SMTP; the store is reset before each test. `bind`
 * receives them once they are up (call it at the top level of a test file).
 */
export function useMailpitSim(bind: (env: MailpitSim) => void, config: ConfigInput = {}): void {
  let env: MailpitSim | undefined;
  beforeAll(async () => {
    const sim = await startSim(config);
    env = { sim, mailpit: new MailpitClient(sim.url), transport: nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, pool: true }) };
    bind(env);
  });
  afterAll(async () => {
    env?.transport.close();
    await env?.sim.stop();
  });
  beforeEach(() => env?.sim.harness.reset());
}
