import nodemailer from 'nodemailer';
import type { ScenarioInput } from '../../server/faults/schema.js';
import { python } from './processes.js';
import { getJson, type SendOptions, type TestSim } from './sim.js';

/** Uploads an inline scenario and makes it the listener's. */
export async function useScenario(sim: TestSim, scenario: ScenarioInput & { name: string }): Promise<void> {
  const response = await getJson(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Scenario: scenario }) });
  if (response.status !== 200) throw new Error(`PUT /api/v1/scenario: ${JSON.stringify(response.body)}`);
}

export async function activate(sim: TestSim, name: string): Promise<void> {
  const response = await getJson(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: name }) });
  if (response.status !== 200) throw new Error(`PUT /api/v1/scenario: ${JSON.stringify(response.body)}`);
}

export interface NodemailerOutcome {
  ok: boolean;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
  accepted?: string[];
  rejected?: string[];
}

/** Sends one message with nodemailer and reports what the application would see. */
export async function sendWithNodemailer(
  port: number,
  mail: Partial<SendOptions>,
  options: Record<string, unknown> = {},
): Promise<NodemailerOutcome> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...options });
  try {
    const info = await transport.sendMail({ from: 'app@example.com', to: 'user@example.org', subject: 'test', text: 'hello', ...mail });
    return { ok: true, response: info.response, accepted: info.accepted as string[], rejected: info.rejected as string[] };
  } catch (error) {
    const e = error as { code?: string; responseCode?: number; response?: string; command?: string; message: string; rejected?: string[] };
    return { ok: false, code: e.code, responseCode: e.responseCode, response: e.response, command: e.command, message: e.message, rejected: e.rejected };
  } finally {
    transport.close();
  }
}

/**
 * Runs a smtplib snippet. `s` is an SMTP object connected to the server (timeout 5 s); the
 * snippet's last line should print something. Exceptions print as "raised <Name> <args>".
 */
export async function smtplib(port: number, body: string, timeout = 5): Promise<string> {
  const script = `
import smtplib, sys
try:
    s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=${timeout})
${body
  .trim()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
except Exception as e:
    print('raised', type(e).__name__, *(a.decode() if isinstance(a, bytes) else a for a in e.args))
`;
  const result = await python(script, String(port));
  if (result.stderr) throw new Error(result.stderr);
  return result.stdout.trim();
}
