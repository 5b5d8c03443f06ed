import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowedList } from '../../ui/src/lib/windowed-list.js';

const m = (id: string | number) => ({ ID: String(id) });
const ids = (list: WindowedList<{ ID: string }>, start: number, end: number) => list.slice(start, end).map((x) => x?.ID ?? '-');

describe('WindowedList', () => {
  it('holds only the pages loaded, whatever the length', () => {
    const list = new WindowedList<{ ID: string }>();
    expect(list.fill(100, [m('a'), m('b')], 50_000, list.ticket())).toBe(true);
    expect(list.length).toBe(50_000);
    expect(list.loaded).toBe(2);
    expect(list.missing(98, 104)).toEqual([[98, 100], [102, 104]]);
    expect(ids(list, 99, 103)).toEqual(['-', 'a', 'b', '-']);
  });

  it('prepends live rows, shifting loaded rows and skipping duplicates', () => {
    const list = new WindowedList<{ ID: string }>();
    list.fill(0, [m(3), m(2), m(1)], 3, list.ticket());
    expect(list.prepend([m(5), m(4), m(3)])).toBe(2);
    expect(ids(list, 0, 5)).toEqual(['5', '4', '3', '2', '1']);
    expect(list.length).toBe(5);
  });

  it('places a page fetched before a prepend where its rows are now', () => {
    const list = new WindowedList<{ ID: string }>();
    list.fill(0, [m(10), m(9)], 10, list.ticket());
    const ticket = list.ticket();
    list.prepend([m(11)]);
    // The page for rows 2..3 was asked for before message 11 arrived.
    expect(list.fill(2, [m(8), m(7)], 10, ticket)).toBe(true);
    expect(ids(list, 0, 5)).toEqual(['11', '10', '9', '8', '7']);
    expect(list.length).toBe(11);
  });

  it('drops pages fetched before a reset', () => {
    const list = new WindowedList<{ ID: string }>();
    const ticket = list.ticket();
    list.reset(0);
    expect(list.fill(0, [m(1)], 1, ticket)).toBe(false);
    expect(list.length).toBe(0);
  });

  it('removes known rows, and counts unknown ones so the caller can refresh', () => {
    const list = new WindowedList<{ ID: string }>();
    list.fill(0, [m('a'), m('b'), m('c'), m('d')], 100, list.ticket());
    expect(list.remove(['b', 'zz'])).toEqual({ removed: 1, unknown: 1 });
    expect(ids(list, 0, 3)).toEqual(['a', 'c', 'd']);
    expect(list.length).toBe(98);
  });

  it('updates rows in place and replaces many by ID', () => {
    const list = new WindowedList<{ ID: string; Read?: boolean }>();
    list.fill(0, [m('a'), m('b')], 2, list.ticket());
    expect(list.update(['b'], (x) => ({ ...x, Read: true }))).toBe(1);
    expect(list.get(1)).toEqual({ ID: 'b', Read: true });
    expect(list.replaceMany([{ ID: 'a', Read: true }, { ID: 'new' }])).toEqual([{ ID: 'new' }]);
    expect(list.get(0)).toEqual({ ID: 'a', Read: true });
  });

  it('evicts rows far from the window past the cap', () => {
    const list = new WindowedList<{ ID: string }>();
    list.fill(0, Array.from({ length: 500 }, (_, i) => m(i)), 10_000, list.ticket());
    list.fill(5000, Array.from({ length: 100 }, (_, i) => m(`x${i}`)), 10_000, list.ticket());
    expect(list.evict(4900, 5200, 300)).toBe(500);
    expect(list.loaded).toBe(100);
  });

  it('stays consistent with a model under random prepends, removals and fills', () => {
    // Model: the server's list, newest first. The client loads pages and applies events.
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ op: fc.constant('new') }), fc.record({ op: fc.constant('del'), at: fc.nat(60) }), fc.record({ op: fc.constant('page'), at: fc.nat(60), n: fc.integer({ min: 1, max: 10 }) })), { maxLength: 80 }),
        (ops) => {
          let next = 0;
          const server: string[] = [];
          const list = new WindowedList<{ ID: string }>();
          for (const o of ops) {
            if (o.op === 'new') {
              const id = `m${next++}`;
              server.unshift(id);
              list.prepend([m(id)]);
            } else if (o.op === 'del') {
              if (!server.length) continue;
              const [id] = server.splice(o.at % server.length, 1);
              // An unknown row's place is unknown: the view refreshes what it shows.
              if (list.remove([id!]).unknown) list.fill(0, server.slice(0, 10).map(m), server.length, list.invalidate(), true);
            } else {
              const start = server.length ? o.at % server.length : 0;
              list.fill(start, server.slice(start, start + o.n).map(m), server.length, list.ticket());
            }
            expect(list.length).toBe(server.length);
            for (let i = 0; i < server.length; i++) {
              const row = list.get(i);
              if (row) expect(row.ID).toBe(server[i]);
            }
          }
        },
      ),
    );
  });
});
