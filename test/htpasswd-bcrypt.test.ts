import { monitorEventLoopDelay } from 'node:perf_hooks';
import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RawSmtp } from './helpers/raw-smtp.js';
import { startSim, type TestSim } from './helpers/sim.js';

/** 'right password' at cost 12 (bcryptjs hashSync), what `htpasswd -B -C 12` writes. */
const COST_12 = '$2b$12$eJHpzzCr5vIAkl5pQocoBOUe5eI9IOD1poiL3hbMclludUvjCuj.O';

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');

describe('bcrypt auth files do not block the event loop', () => {
  let sim: TestSim | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('answers another client\'s NOOP while 20 AUTH attempts against a cost-12 hash are being checked', async () => {
    // One compare at cost 12 costs what hashing at cost 12 does (~1 s here): the yardstick for
    // "blocked". bcrypt's work doubles with each step of cost: one cost-10 hash, times four,
    // measures it in a quarter of the time (hashing at cost 12 here was ~2 s of this test on a
    // loaded machine), and the cost-12 hash the server checks is a constant (COST_12).
    const started = performance.now();
    bcrypt.hashSync('yardstick', 10);
    const oneHashMs = 4 * (performance.now() - started);
    sim = await startSim({ smtpAuthText: `alice:${COST_12}` });
    const bystander = await RawSmtp.open(sim.smtpPort);
    await bystander.reply();
    await bystander.command('EHLO bystander.test');
    const attackers = await Promise.all(Array.from({ length: 20 }, () => RawSmtp.open(sim!.smtpPort)));
    for (const client of attackers) await client.reply();
    for (const client of attackers) await client.command('EHLO attacker.test');

    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const answered: string[] = [];
    let firstAuth!: () => void;
    const authAnswered = new Promise<void>((resolve) => (firstAuth = resolve));
    const auths = attackers.map((client, i) =>
      client.command(`AUTH PLAIN ${plain('alice', `wrong ${i}`)}`).then(
        (reply) => {
          answered.push(reply);
          firstAuth();
        },
        () => {},
      ),
    );
    const noop = await bystander.command('NOOP');
    const answeredBeforeNoop = answered.length;
    // Watch the loop until the first bcrypt verdict is back: the whole time one compare runs.
    await authAnswered;
    delay.disable();

    expect(noop).toMatch(/^250 /);
    // The NOOP came back while every bcrypt check was still running, not after them...
    expect(answeredBeforeNoop).toBe(0);
    expect(answered[0]).toMatch(/^535 /);
    // ...and the event loop never stalled for as long as one bcrypt compare: a compare on the loop
    // blocks it for at least that (bcryptjs's own "async" compare, 20 at once, held it ~2 s at a
    // time; the send API's merge regression 2,185 ms). Not a quarter of one: with the compares on
    // their thread, a clean-clone CI run on two busy cores still saw a 179 ms scheduling stall.
    expect(delay.count).toBeGreaterThan(0);
    expect(delay.max / 1e6).toBeLessThan(oneHashMs);
    // The clients leave before the stop: a session whose AUTH is still being checked counts as
    // mid-exchange, and the listener gives those 10 s to finish (10 of this test's 12 s).
    for (const client of [bystander, ...attackers]) client.close();
    await sim.stop();
    sim = undefined;
    await Promise.all(auths);
  }, 60_000);

  it('still logs in with the right password, and a second login with it needs no second bcrypt', async () => {
    const hash = bcrypt.hashSync('right password', 4);
    sim = await startSim({ smtpAuthText: `alice:${hash}` });
    for (let i = 0; i < 2; i++) {
      const client = await RawSmtp.open(sim.smtpPort);
      await client.reply();
      await client.command('EHLO client.test');
      expect(await client.command(`AUTH PLAIN ${plain('alice', 'wrong')}`)).toMatch(/^535 /);
      expect(await client.command(`AUTH PLAIN ${plain('alice', 'right password')}`)).toMatch(/^235 /);
      client.close();
    }
  });
});
