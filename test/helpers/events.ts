import type { EventBus, EventMap, EventName } from '../../server/events/bus.js';

/** Subscribe first, act second, await third: the event cannot slip past between the two. */
export function nextEvent<K extends EventName>(
  bus: EventBus,
  name: K,
  predicate: (payload: EventMap[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<EventMap[K]> {
  // Made here so that a waiter nobody awaited names the test that made it, not the one running when it expired.
  const expired = new Error(`no ${name} event within ${timeoutMs} ms`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(expired);
    }, timeoutMs);
    const off = bus.on(name, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Resolves once `count` sessions have closed (and been committed). Subscribe before acting. */
export function sessionsClosed(bus: EventBus, count: number, timeoutMs = 10_000): Promise<void> {
  let seen = 0;
  return nextEvent(bus, 'session.closed', () => ++seen === count, timeoutMs).then(() => undefined);
}
