import type { Socket } from 'node:net';

/**
 * Tarpitting (a server that answers a few bytes at a time, to slow senders down): while active,
 * everything written to the socket leaves in small slices at `bytesPerSecond`, in order. The
 * writer detaches itself once its queue is empty.
 */
export function dripNextWrites(socket: Socket, bytesPerSecond: number, onDone: () => void = () => {}): () => void {
  const write = socket.write;
  const queue: Buffer[] = [];
  const sliceBytes = Math.max(1, Math.round(bytesPerSecond / 20));
  const intervalMs = (sliceBytes / bytesPerSecond) * 1000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    socket.write = write;
    onDone();
  };
  const pump = () => {
    const head = queue[0];
    if (!head || socket.destroyed) return stop();
    write.call(socket, head.subarray(0, sliceBytes));
    if (head.length > sliceBytes) queue[0] = head.subarray(sliceBytes);
    else queue.shift();
    if (!queue.length) return stop();
    timer = setTimeout(pump, intervalMs);
  };
  socket.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    queue.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8') : Buffer.from(chunk));
    if (queue.length === 1) pump();
    // smtp-server waits on writableNeedDrain, not on this value; the slices never fill the buffer.
    return true;
  }) as Socket['write'];
  socket.once('close', stop);
  return stop;
}
