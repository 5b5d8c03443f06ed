export type KeyAction = 'next' | 'previous' | 'open' | 'delete' | 'search' | 'toggle-select' | 'close' | 'first' | 'last';

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The element with focus is a text field, select or editor: its keys are its own. */
  inField: boolean;
}

/** The inbox's keyboard: j/k or arrows move, Enter opens, Delete deletes, / searches, x selects, Esc closes. */
export function keyAction(event: KeyLike): KeyAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (event.inField) return event.key === 'Escape' ? 'close' : null;
  switch (event.key) {
    case 'j':
    case 'ArrowDown':
      return 'next';
    case 'k':
    case 'ArrowUp':
      return 'previous';
    case 'Enter':
    case 'o':
      return 'open';
    case 'Delete':
    case '#':
      return 'delete';
    case '/':
      return 'search';
    case 'x':
      return 'toggle-select';
    case 'Escape':
      return 'close';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    default:
      return null;
  }
}
