// A typed client for the service's own API. Types come from src/model (types only: no server
// code enters the bundle); every call goes to the origin that served the page.
import type { AuditEventV1, AuditSummaryV1 } from '../model/audit-event.js';
import type { CompareRequest, CoverageRequest } from '../model/coverage-request.js';
import type { CitationV1, DeterminationV1, ReasonV1 } from '../model/determination.js';
import type { Problem } from '../model/problem.js';

export type { AuditEventV1, AuditSummaryV1, CitationV1, DeterminationV1, ReasonV1 };
export type { CompareRequest, CoverageRequest };

export type Recorded = DeterminationV1 & { id: string };

export interface PolicyVersionSummary {
  id: string;
  title: string;
  effectiveFrom: string;
  effectiveTo?: string;
  textAvailable: boolean;
}

export interface PolicySummary {
  id: string;
  number?: string;
  title: string;
  payers: string[];
  publisher: string;
  asOf?: string;
  source: string;
  versions: PolicyVersionSummary[];
}

export interface PolicyIndex {
  revision: string;
  payers: string[];
  codeSets: Record<string, string>;
  policies: PolicySummary[];
}

interface Ruled {
  id: string;
  reasons: ReasonV1[];
}

export interface PolicyVersionDetail extends PolicyVersionSummary {
  changeReasons: ReasonV1[];
  statements: (Ruled & {
    verdict: string;
    referTo: string[];
    drugs?: string[];
    drugClasses?: string[];
    routes: string[];
    indications: string[];
  })[];
  exclusions: (Ruled & { indications?: string[] })[];
  productRules: (Ruled & { when: Record<string, unknown>; effect: string })[];
  priorAuthRules: (Ruled & { when: Record<string, unknown>; priorAuth: string })[];
  priorAuthDefault: string;
  priorAuthDefaultReasons: ReasonV1[];
  codes: { system: string; code: string; reasons: ReasonV1[] }[];
  notices: { id: string; notices: { kind: string; text: string; citation: CitationV1 }[] }[];
}

export interface PolicyDetail extends Omit<PolicySummary, 'versions'> {
  productDefault?: string;
  relatedPolicies?: unknown[];
  file: string;
  versions: PolicyVersionDetail[];
}

export interface CodeView {
  system: 'icd10cm' | 'hcpcs' | 'cpt';
  code: string;
  display: string;
  drug?: string;
  on?: { date: string; status: 'billable' | 'header' | 'not-valid' };
}

export interface AuditPage {
  items: AuditSummaryV1[];
  nextCursor?: string;
  next?: string;
}

/** A problem+json answer (or a network failure) as an Error the pages can show. */
export class ApiError extends Error {
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
  policies: () => call<PolicyIndex>('GET', '/v1/policies'),
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
};
