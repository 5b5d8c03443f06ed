/**
 * Per-recipient work on a message's whole recipient list, a slice per turn of the event loop.
 * Issue 9, item 8: with --max-recipients 100000 the end of DATA planned and reported on every
 * recipient in one turn (the delivered report's one delivery.event per recipient: 1.7 s on the
 * loaded 2-core machine), and every other client waited for it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Recipients handled per turn: ~15 ms of reporting on the loaded machine, well under the 100 ms budget. */
export const RECIPIENTS_PER_TURN = 1_000;

/**
 * Calls `each` with consecutive slices of at most `size` items: the first in the caller's turn,
 * each next one in a turn of its own (setImmediate: I/O goes first). `live` is asked before each
 * further slice; false stops the work (a reset or close came meanwhile), and the promise then
 * resolves false.
 */
export async function inSlices<T>(items: readonly T[], each: (slice: T[]) => void | Promise<void>, live: () => boolean = () => true, size = RECIPIENTS_PER_TURN): Promise<boolean> {
  for (let i = 0; i < items.length; i += size) {
    if (i > 0) {
      await nextTurn();
      if (!live()) return false;
    }
    await each(items.slice(i, i + size));
  }
  return true;
}
