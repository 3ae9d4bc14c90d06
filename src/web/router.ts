// Hash routes (#/compare, #/policies/bcbsma-291?line=31): the server serves one page and needs
// no fallback route, and a link into a policy survives a reload.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  /** Path segments after the page, decoded. */
  rest: string[];
  params: URLSearchParams;
}

function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = text.split('?', 2) as [string?, string?];
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] ?? 'compare', rest: parts.slice(1), params: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function href(page: string, rest: string[] = [], params?: Record<string, string>): string {
  const path = [page, ...rest.map(encodeURIComponent)].join('/');
  const query = params ? new URLSearchParams(params).toString() : '';
  return `#/${path}${query ? `?${query}` : ''}`;
}

/** A link to the policy page at one cited quote. */
export function quoteHref(policyId: string, version: string | undefined, quote: string): string {
  const params: Record<string, string> = { quote };
  if (version) params['v'] = version;
  return href('policies', [policyId], params);
}
