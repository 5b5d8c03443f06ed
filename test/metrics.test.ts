import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../server/metrics/prometheus.js';
import { sessionsClosed } from './helpers/events.js';
import { sendWithNodemailer, useScenario } from './helpers/faults.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

let sim: TestSim;
let hook: ReturnType<typeof createServer>;
let hooked = 0;
beforeAll(async () => {
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hooked++;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  sim = await startSim({ webhook: [`http://127.0.0.1:${(hook.address() as AddressInfo).port}/in`] });
});
afterAll(async () => {
  await sim.stop();
  hook.closeAllConnections();
  await new Promise((resolve) => hook.close(resolve));
});

const scrape = async () => {
  const response = await fetch(`${sim.url}/metrics`);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return response.text();
};
/** The value of one series, by its exact name{labels} text. */
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics', () => {
  it('counts real traffic: accepted, rejected by code, sessions by outcome, faults by rule, store, webhooks, open sessions', async () => {
    await useScenario(sim, {
      name: 'metrics-demo',
      rules: [{ name: 'no-such-user', when: { phase: 'rcpt', recipient: '*@bounce.example' }, action: { reply: { code: 550, enhanced: '5.1.1', text: 'User unknown' } } }],
    });
    const fault = await getJson(`${sim.url}/api/v1/faults`, { method: 'POST', body: JSON.stringify({ when: { phase: 'data-end' }, action: { reply: { code: 421, enhanced: '4.7.0', text: 'Later' } } }) });
    expect(fault.status).toBe(201);
    const closed = sessionsClosed(sim.harness.bus, 4);
    expect((await sendWithNodemailer(sim.smtpPort, { subject: 'deferred once' })).responseCode).toBe(421);
    expect((await sendWithNodemailer(sim.smtpPort, { subject: 'ok 1' })).ok).toBe(true);
    expect((await sendWithNodemailer(sim.smtpPort, { subject: 'ok 2', text: 'x'.repeat(1000) })).ok).toBe(true);
    expect((await sendWithNodemailer(sim.smtpPort, { to: 'gone@bounce.example' })).responseCode).toBe(550);
    await closed;
    await sim.harness.integrations.webhooks!.idle();
    const open = await RawSmtp.open(sim.smtpPort);
    await open.reply();

    const text = await scrape();
    expect(text).toContain('# TYPE mailsim_messages_accepted_total counter\nmailsim_messages_accepted_total 2\n');
    const sizes = (await getJson<{ messages: Array<{ Size: number }> }>(`${sim.url}/api/v1/messages`)).body.messages.map((m) => m.Size);
    expect(value(text, 'mailsim_messages_accepted_bytes_total')).toBe(sizes[0]! + sizes[1]!);
    expect(value(text, 'mailsim_messages_rejected_total{code="550"}')).toBe(1);
    expect(value(text, 'mailsim_messages_rejected_total{code="421"}')).toBe(1);
    expect(value(text, 'mailsim_sessions_total{outcome="delivered"}')).toBe(2);
    expect(value(text, 'mailsim_sessions_total{outcome="deferred"}')).toBe(1);
    expect(value(text, 'mailsim_sessions_total{outcome="rejected"}')).toBe(1);
    expect(value(text, 'mailsim_sessions_active')).toBe(1);
    expect(value(text, 'mailsim_faults_fired_total{scenario="metrics-demo",source="rule",name="no-such-user"}')).toBe(1);
    expect(text).toMatch(/^mailsim_faults_fired_total\{scenario="metrics-demo",source="one-shot",name="[^"]+"\} 1$/m);
    expect(value(text, 'mailsim_store_messages')).toBe(2);
    expect(value(text, 'mailsim_store_size_bytes')).toBeGreaterThan(0);
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/in`;
    expect(value(text, `mailsim_webhook_deliveries_total{url="${url}"}`)).toBe(2);
    expect(hooked).toBe(2);
    expect(value(text, `mailsim_webhook_dropped_total{url="${url}"}`)).toBe(0);
    expect(value(text, 'mailsim_api_waits_open')).toBe(0);
    expect(text).toMatch(/^mailsim_info\{version="\d+\.\d+\.\d+"\} 1$/m);

    // Counters are monotonic: a reset empties the store but does not zero them.
    open.close();
    await sim.harness.reset();
    const after = await scrape();
    expect(value(after, 'mailsim_messages_accepted_total')).toBe(2);
    expect(value(after, 'mailsim_store_messages')).toBe(0);
  });

  it('escapes label values and writes one HELP and TYPE per family', () => {
    expect(render([{ name: 'x_total', help: 'a\nb', type: 'counter', series: [{ labels: { v: 'q"\\\n' }, value: 1 }, { value: Infinity }] }])).toBe(
      '# HELP x_total a\\nb\n# TYPE x_total counter\nx_total{v="q\\"\\\\\\n"} 1\nx_total +Inf\n',
    );
  });
});
