export type Route =
  | { name: 'inbox'; messageId: string | null; query: string }
  | { name: 'sessions'; sessionId: string | null; outcomes: string[]; query: string }
  | { name: 'scenarios' }
  | { name: 'stats' }
  | { name: 'not-found'; path: string };

/** Client routes: /, /message/{ID}, /sessions, /sessions/{ID}, /scenarios, /stats. */
export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  const parts = pathname.split('/').filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  const query = params.get('q') ?? '';
  if (parts.length === 0) return { name: 'inbox', messageId: null, query };
  if (parts[0] === 'message' && parts.length === 2) return { name: 'inbox', messageId: parts[1]!, query };
  if (parts[0] === 'sessions' && parts.length <= 2) {
    const outcomes = (params.get('outcome') ?? '').split(',').map((o) => o.trim()).filter(Boolean);
    return { name: 'sessions', sessionId: parts[1] ?? null, outcomes, query };
  }
  if (parts[0] === 'scenarios' && parts.length === 1) return { name: 'scenarios' };
  if (parts[0] === 'stats' && parts.length === 1) return { name: 'stats' };
  return { name: 'not-found', path: pathname };
}

export function routePath(route: Route): string {
  const withQuery = (path: string, params: Record<string, string>) => {
    // Commas and colons stay readable in the address bar.
    const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString().replace(/%2C/g, ',').replace(/%3A/g, ':');
    return search ? `${path}?${search}` : path;
  };
  switch (route.name) {
    case 'inbox':
      return withQuery(route.messageId ? `/message/${encodeURIComponent(route.messageId)}` : '/', { q: route.query });
    case 'sessions':
      return withQuery(route.sessionId ? `/sessions/${encodeURIComponent(route.sessionId)}` : '/sessions', { outcome: route.outcomes.join(','), q: route.query });
    case 'scenarios':
      return '/scenarios';
    case 'stats':
      return '/stats';
    case 'not-found':
      return route.path;
  }
}
