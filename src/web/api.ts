// A typed client for the service's own API. Types come from the server's modules (types only:
// no server code enters the bundle); every call goes to the origin that served the page.
import type { AuditEventV1, AuditSummaryV1 } from '../model/audit-event.js';
import type { CompareRequest, CoverageRequest } from '../model/coverage-request.js';
import type { DeterminationV1, ReasonV1 } from '../model/determination.js';
import type { Problem } from '../model/problem.js';
import type { CodeViewV1 } from '../service/code-lookup.js';
import type { policyDetail, policyIndex } from '../service/policy-views.js';
import type { AssertionRequestV1, Page } from '../store/audit-store.js';

export type { AuditEventV1, DeterminationV1, ReasonV1 };
export type { CompareRequest, CoverageRequest };

export type Recorded = DeterminationV1 & { id: string };

// The server's own view types. Type-only imports: nothing of these modules enters the bundle.
export type PolicyIndex = ReturnType<typeof policyIndex>;
export type PolicyDetail = ReturnType<typeof policyDetail>;
export type PolicyVersionDetail = PolicyDetail['versions'][number];
export type CodeView = CodeViewV1;
export type AuditPage = Page<AuditSummaryV1> & { next?: string };
export type AssertionRequest = AssertionRequestV1;

/** A problem+json answer (or a network failure) as an Error the pages can show. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> & { problems?: Partial<Problem>[] },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

const KEY = 'medpolicy.apiKey';

/** Only needed when the service requires API keys (off loopback, or --require-keys). */
export function apiKey(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}
export function setApiKey(key: string): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
  askedIndex = undefined;
}

/** The policy index, asked once per page load (again after a failure or a new API key). */
let askedIndex: Promise<PolicyIndex> | undefined;
function policies(): Promise<PolicyIndex> {
  if (!askedIndex) {
    const asked = call<PolicyIndex>('GET', '/v1/policies');
    askedIndex = asked;
    asked.catch(() => {
      if (askedIndex === asked) askedIndex = undefined;
    });
  }
  return askedIndex;
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const key = apiKey();
  if (key) headers['authorization'] = `Bearer ${key}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, {
      title: 'Service unreachable',
      detail: `could not reach the medpolicy service at ${location.origin}; is it running?`,
    });
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) {
    const problem = type.includes('json')
      ? ((await res.json()) as ApiError['problem'])
      : { title: res.statusText };
    throw new ApiError(res.status, problem);
  }
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

const q = (params: Record<string, string | undefined>): string => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) s.set(k, v);
  const text = s.toString();
  return text ? `?${text}` : '';
};

export const api = {
  policies,
  policy: (id: string) => call<PolicyDetail>('GET', `/v1/policies/${encodeURIComponent(id)}`),
  source: (id: string) => call<string>('GET', `/v1/policies/${encodeURIComponent(id)}/source`),
  compare: (request: CompareRequest) => call<Recorded[]>('POST', '/v1/compare', request),
  decide: (request: CoverageRequest) => call<Recorded>('POST', '/v1/determinations', request),
  searchCodes: (system: CodeView['system'], text: string, date?: string) =>
    call<{ items: CodeView[] }>(
      'GET',
      `/v1/codes/${system}${q({ q: text, limit: '12', date })}`,
    ).then((r) => r.items),
  determinations: (filter: Record<string, string | undefined>) =>
    call<AuditPage>('GET', `/v1/determinations${q(filter)}`),
  determination: (id: string) =>
    call<AuditEventV1>('GET', `/v1/determinations/${encodeURIComponent(id)}`),
  coverageAssertion: (id: string) =>
    call<AssertionRequest>('GET', `/v1/coverage-assertions/${encodeURIComponent(id)}`),
};
