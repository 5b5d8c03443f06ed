/**
 * What Esc closes: the innermost open thing (a menu, an overlay, a confirmation, an inline form),
 * one per press, and only when none is open the view's own Esc (closing the message). Each
 * component that opens something registers its closer while it is open; the newest is on top.
 *
 * The listener runs in the capture phase on the window, before any view's keydown handler and
 * before a modal <dialog> acts on the key, and stops the event there: one press, one thing closed.
 */
const stack: Array<() => void> = [];
let listening = false;

function onkeydown(event: KeyboardEvent): void {
  if (event.key !== 'Escape' || event.ctrlKey || event.metaKey || event.altKey || !stack.length) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  // Off the stack at once: a second press before the view has re-rendered reaches the next layer.
  stack.pop()!();
}

/** Registers `close` as the innermost layer; call the returned function when it has closed. */
export function openLayer(close: () => void): () => void {
  if (!listening && typeof window !== 'undefined') {
    window.addEventListener('keydown', onkeydown, { capture: true });
    listening = true;
  }
  const entry = () => close();
  stack.push(entry);
  return () => {
    const at = stack.lastIndexOf(entry);
    if (at >= 0) stack.splice(at, 1);
  };
}

/** How many layers are open (tests, and views that must not act on Esc themselves). */
export function openLayers(): number {
  return stack.length;
}

/**
 * `use:menuLayer` on a <details> menu: while it is open, Esc closes it and gives focus back to
 * its summary (the focus was inside the menu, which is gone).
 */
export function menuLayer(details: HTMLDetailsElement): { destroy(): void } {
  let remove: (() => void) | undefined;
  const ontoggle = () => {
    remove?.();
    remove = undefined;
    if (details.open) {
      remove = openLayer(() => {
        details.open = false;
        details.querySelector('summary')?.focus();
      });
    }
  };
  details.addEventListener('toggle', ontoggle);
  return {
    destroy() {
      details.removeEventListener('toggle', ontoggle);
      remove?.();
    },
  };
}
