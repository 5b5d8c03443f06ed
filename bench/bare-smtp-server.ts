import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

// The baseline: stock smtp-server that only drains each message. No storage, no parsing.
// It greets at once, as mailsim does (server/smtp/smtp-server-seams.ts): smtp-server's 100 ms
// wait for early talkers would make one-connection-per-message a measure of that timer (issue 14
// compares against "a bare smtp-server that greets at once"). MAIL FROM:<delay-N@...> is answered
// after a plain setTimeout(N): the floor for how exactly this machine can honour a delay.
const proto = SMTPConnection.prototype as unknown as { init(): void; connectionReady(): void; _setListeners(done: () => void): void };
proto.init = function (this: typeof proto) {
  this._setListeners(() => this.connectionReady());
};
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
