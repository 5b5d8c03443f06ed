export interface WindowRange {
  /** First row to render. */
  start: number;
  /** One past the last row to render. */
  end: number;
  /** First and one-past-last rows actually on screen (what keyboard paging and fetching aim at). */
  visibleStart: number;
  visibleEnd: number;
}

/**
 * Which rows of a fixed-height list to render for a scroll position: the visible ones plus
 * `overscan` on each side, clamped to the list.
 */
export function windowFor(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 8): WindowRange {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, visibleStart: 0, visibleEnd: 0 };
  const top = Math.max(0, scrollTop);
  const visibleStart = Math.min(count - 1, Math.floor(top / rowHeight));
  const visibleEnd = Math.min(count, Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight));
  return {
    start: Math.max(0, visibleStart - overscan),
    end: Math.min(count, Math.max(visibleEnd, visibleStart + 1) + overscan),
    visibleStart,
    visibleEnd: Math.max(visibleEnd, visibleStart + 1),
  };
}

/** The scrollTop that brings row `index` into view, or undefined when it already is. */
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number | undefined {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return bottom - viewportHeight;
  return undefined;
}

/** Aligns a range to page boundaries so neighbouring requests share pages. */
export function pageAligned(start: number, end: number, page: number, count: number): { start: number; limit: number } {
  const from = Math.max(0, Math.floor(start / page) * page);
  const to = Math.min(Math.max(count, from + 1), Math.ceil(end / page) * page);
  return { start: from, limit: Math.max(1, to - from) };
}

/**
 * The rows a person sees: at least half of each row inside the viewport. What "Select on
 * screen" selects; the window above also counts a sliver of a row, and the overscan none of
 * which is visible.
 */
export function shownRows(scrollTop: number, viewportHeight: number, rowHeight: number, count: number): { start: number; end: number } {
  if (count <= 0 || rowHeight <= 0 || viewportHeight <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const start = Math.max(0, Math.ceil(top / rowHeight - 0.5));
  const end = Math.min(count, Math.floor((top + viewportHeight) / rowHeight - 0.5) + 1);
  return { start, end: Math.max(start, end) };
}
