import type { Maildrops } from '../ports/maildrops.js';
import { multiLineMessage, multiLineText } from './message-encoding.js';
import type { OpenMaildrop } from './open-maildrop.js';

/** What a transaction-state command can do to its session. */
export interface TransactionIo {
  reply(line: string): void;
  /** A client mistake: answered with -ERR and counted towards the error limit. */
  fail(text: string): void;
  /** Writes chunks, waiting for the socket to drain between them. */
  stream(chunks: Iterable<Buffer>): Promise<void>;
  problem(message: string, error: unknown): void;
}

type Handler = (drop: OpenMaildrop, args: string[], io: TransactionIo, maildrops: Maildrops) => void | Promise<void>;

/**
 * The TRANSACTION state commands of RFC 1939 §5 plus UIDL and TOP (§7). Reply texts follow the
 * RFC's examples; QUIT is the session's (it leads to UPDATE).
 */
export const TRANSACTION: Record<string, Handler> = {
  STAT(drop, _args, io) {
    const { count, size } = drop.stat();
    io.reply(`+OK ${count} ${size}`);
  },
  LIST(drop, args, io) {
    if (args.length === 0) {
      const { count, size } = drop.stat();
      return void io.reply(multiLineText(`+OK ${count} messages (${size} octets)`, drop.live().map(([n, m]) => `${n} ${m.size}`)).trimEnd());
    }
    const found = drop.lookup(args[0]);
    if (!found.ok) return io.fail(found.error);
    io.reply(`+OK ${args[0]} ${found.message.size}`);
  },
  UIDL(drop, args, io) {
    if (args.length === 0) return void io.reply(multiLineText('+OK', drop.live().map(([n, m]) => `${n} ${m.uid}`)).trimEnd());
    const found = drop.lookup(args[0]);
    if (!found.ok) return io.fail(found.error);
    io.reply(`+OK ${args[0]} ${found.message.uid}`);
  },
  async RETR(drop, args, io, maildrops) {
    await send(drop, args[0], undefined, io, maildrops);
  },
  async TOP(drop, args, io, maildrops) {
    if (args.length !== 2 || !/^[0-9]{1,9}$/.test(args[1]!)) return io.fail('Usage: TOP msg n');
    await send(drop, args[0], Number(args[1]), io, maildrops);
  },
  DELE(drop, args, io) {
    const found = drop.mark(args[0]);
    if (!found.ok) return io.fail(found.error);
    io.reply(`+OK Message ${args[0]} deleted`);
  },
  NOOP(_drop, _args, io) {
    io.reply('+OK');
  },
  RSET(drop, _args, io) {
    drop.reset();
    const { count, size } = drop.stat();
    io.reply(`+OK Maildrop has ${count} messages (${size} octets)`);
  },
};

async function send(drop: OpenMaildrop, number: string | undefined, bodyLines: number | undefined, io: TransactionIo, maildrops: Maildrops): Promise<void> {
  const found = drop.lookup(number);
  if (!found.ok) return io.fail(found.error);
  let raw: Buffer | null;
  try {
    raw = await maildrops.read(drop.mailbox, found.message.id);
  } catch (error) {
    io.problem('pop3 could not read a message', error);
    // RFC 3206 §4: SYS/TEMP, a problem on the server's side that may go away.
    return io.reply('-ERR [SYS/TEMP] Unable to read the message');
  }
  // Deleted from the store (API, retention) since the login snapshot.
  if (raw === null) return io.fail(`No such message: ${number} is gone`);
  io.reply(bodyLines === undefined ? `+OK ${found.message.size} octets` : '+OK Top of message follows');
  await io.stream(multiLineMessage(raw, bodyLines));
}
