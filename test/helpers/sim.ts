import nodemailer from 'nodemailer';
import type { ConfigInput } from '../../server/config/config.js';
import type { Clock } from '../../server/ports/contracts.js';
import { Harness } from '../../server/app/harness.js';
import { logTo } from '../../server/ports/log.js';
import { TEST_TLS_DIR } from './dirs.js';

export interface TestSim {
  harness: Harness;
  smtpPort: number;
  /** Every listener's port, in --smtp order. */
  smtpPorts: number[];
  url: string;
  warnings: string[];
  stop(): Promise<void>;
}

export { TEST_TLS_DIR };

/** An in-process mailsim on free loopback ports with an in-memory store. */
export async function startSim(config: ConfigInput = {}, clock?: Clock): Promise<TestSim> {
  const warnings: string[] = [];
  const harness = new Harness(
    { smtp: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, db: ':memory:', hostname: 'mailsim.test', tlsDir: TEST_TLS_DIR, quiet: true, ...config },
    logTo((level, message) => {
      if (level === 'warn' || level === 'error' || level === 'fatal') warnings.push(message);
    }),
    clock,
  );
  const running = await harness.start();
  return {
    harness,
    smtpPort: running.smtp[0]!.port,
    smtpPorts: running.smtp.map((s) => s.port),
    url: `http://127.0.0.1:${running.http.port}`,
    warnings,
    stop: () => harness.stop(),
  };
}

export async function getJson<T = any>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export type Transporter = ReturnType<typeof nodemailer.createTransport>;
export type SendOptions = Parameters<Transporter['sendMail']>[0];
