import { SMTPServer } from 'smtp-server';

// The baseline: stock smtp-server that only drains each message. No storage, no parsing,
// and its 100 ms greeting delay left as shipped. MAIL FROM:<delay-N@...> is answered after a plain
// setTimeout(N): the floor for how exactly this machine can honour a delay.
const server = new SMTPServer({
  authOptional: true,
  disableReverseLookup: true,
  logger: false,
  onMailFrom(address, _session, callback) {
    const delay = /^delay-(\d+)@/.exec(address.address)?.[1];
    if (delay) setTimeout(callback, Number(delay));
    else setImmediate(callback);
  },
  onData(stream, _session, callback) {
    stream.on('end', () => callback());
    stream.resume();
  },
});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.stdout.write(`PORT ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
