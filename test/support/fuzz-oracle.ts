// Judges one answer of the fuzzed service. Each violation has a kind (what rule it breaks) and a
// group (its likely cause: route, status, problem code, the change that provoked it), so that
// thousands of answers come out as a handful of findings.
import type { IncomingHttpHeaders } from 'node:http';
import { COVERAGE_INFORMATION_URL } from '../../src/adapters/cdshooks/coverage-information.js';
import type { FuzzRequest } from './fuzz.js';
import { isCdsFamily, isFhirFamily, isKeyProtected, matchRoute } from './fuzz-routes.js';

export const VIOLATION_KINDS = [
  'server-error',
  'auth-bypass',
  'unstored-ack',
  'not-problem-json',
  'problem-without-hint',
  'not-operation-outcome',
  'valid-request-refused',
  'no-answer',
  'healthz-down',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface FuzzResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Violation {
  kind: ViolationKind;
  group: string;
}

/** What the oracle reads back from the audit store (AuditStore has it). */
export interface RecordLookup {
  get(id: string): Promise<unknown>;
  getClaimResponse(id: string): Promise<unknown>;
  getCoverageAssertion(id: string): Promise<unknown>;
}

export interface Judgement {
  violations: Violation[];
  /** Records looked up for acknowledged answers. */
  recordsChecked: number;
  /** Ids answered, for later reads of them. */
  determinationIds: string[];
  claimResponseIds: string[];
}

// Problems a client fixes by changing its request: each must say how (the `hint`).
const CLIENT_FIXABLE = new Set([
  'invalid-json',
  'too-large',
  'wrong-type',
  'unknown-field',
  'missing-field',
  'unknown-value',
  'unknown-payer',
  'unknown-fact',
  'conflicting-fact',
  'invalid-date',
  'malformed-code',
  'invalid-value',
  'unsupported-media-type',
  'idempotency-key-reused',
]);

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const contentType = (res: FuzzResponse) => String(res.headers['content-type'] ?? '');

/** The error's own name for itself, whatever its shape: a problem code, Fastify's FST_ code, an issue code. */
function errorCode(json: unknown): string {
  if (!isObj(json)) return 'not-json';
  if (typeof json['code'] === 'string') return json['code'];
  const issue = Array.isArray(json['issue']) ? (json['issue'][0] as J | undefined) : undefined;
  if (issue && typeof issue['code'] === 'string') return `issue:${issue['code']}`;
  return 'no-code';
}

function problemShapeErrors(res: FuzzResponse, json: unknown, head: boolean): string | undefined {
  if (!/^application\/problem\+json/i.test(contentType(res)))
    return `content-type ${contentType(res) || '(none)'}`;
  if (head) return undefined;
  if (!isObj(json)) return 'body not a JSON object';
  for (const f of ['code', 'title', 'detail']) if (typeof json[f] !== 'string') return `no ${f}`;
  if (json['status'] !== res.status) return `status ${String(json['status'])} in body`;
  return undefined;
}

function operationOutcomeErrors(
  res: FuzzResponse,
  json: unknown,
  target: string,
  head: boolean,
): string | undefined {
  // CDS Hooks is a JSON API (its clients send and expect application/json); FHIR's is fhir+json.
  const type = isCdsFamily(target) ? /^application\/(fhir\+)?json/i : /^application\/fhir\+json/i;
  if (!type.test(contentType(res))) return `content-type ${contentType(res) || '(none)'}`;
  if (head) return undefined;
  if (!isObj(json) || json['resourceType'] !== 'OperationOutcome')
    return 'body not an OperationOutcome';
  const issues = json['issue'];
  if (!Array.isArray(issues) || issues.length === 0) return 'no issue';
  if (
    !issues.every(
      (i) => isObj(i) && typeof i['severity'] === 'string' && typeof i['code'] === 'string',
    )
  )
    return 'issue without severity or code';
  return undefined;
}

// The ids a 2xx answer of a recording route claims to have recorded.
function claimedRecords(
  route: string,
  json: unknown,
  res: FuzzResponse,
): { kind: 'determination' | 'claim-response' | 'coverage-assertion'; id: string }[] | undefined {
  if (route === 'determine') {
    if (!isObj(json) || typeof json['id'] !== 'string') return undefined;
    return [{ kind: 'determination', id: json['id'] }];
  }
  if (route === 'compare') {
    if (!Array.isArray(json) || !json.every((d) => isObj(d) && typeof d['id'] === 'string'))
      return undefined;
    return json.map((d) => ({ kind: 'determination' as const, id: (d as J)['id'] as string }));
  }
  if (route === 'pas-submit') {
    const entries = isObj(json) && Array.isArray(json['entry']) ? json['entry'] : [];
    const cr = entries
      .map((e) => (isObj(e) ? e['resource'] : undefined))
      .find((r) => isObj(r) && r['resourceType'] === 'ClaimResponse') as J | undefined;
    if (!cr || typeof cr['id'] !== 'string') return undefined;
    return [{ kind: 'claim-response', id: cr['id'] }];
  }
  if (route === 'cds-hook') {
    if (!isObj(json)) return undefined;
    const actions = Array.isArray(json['systemActions']) ? json['systemActions'] : [];
    const ids: string[] = [];
    for (const a of actions) {
      const exts =
        isObj(a) && isObj(a['resource']) && Array.isArray(a['resource']['extension'])
          ? a['resource']['extension']
          : [];
      for (const e of exts) {
        if (!isObj(e) || e['url'] !== COVERAGE_INFORMATION_URL || !Array.isArray(e['extension']))
          continue;
        for (const s of e['extension'])
          if (
            isObj(s) &&
            s['url'] === 'coverage-assertion-id' &&
            typeof s['valueString'] === 'string'
          )
            ids.push(s['valueString']);
      }
    }
    return ids.map((id) => ({ kind: 'coverage-assertion' as const, id }));
  }
  void res;
  return [];
}

/** Tags that say what provoked an answer, for grouping: the request's non-default parts. */
function cause(req: FuzzRequest): string {
  const incidental =
    /^(auth:(bearer-key|x-api-key|jwt)|idempotency-key:fresh|accept|proxy-headers|query-reorder)$/;
  return (
    req.mutations
      .filter((m) => !incidental.test(m))
      .sort()
      .join(',') || 'unmutated'
  );
}

export async function judge(
  req: FuzzRequest,
  res: FuzzResponse,
  lookup: RecordLookup,
  faultActive: boolean,
): Promise<Judgement> {
  const out: Judgement = {
    violations: [],
    recordsChecked: 0,
    determinationIds: [],
    claimResponseIds: [],
  };
  const route = matchRoute(req.method, req.target);
  const where = `${req.method} ${route ?? `(no route; seed ${req.seed})`}`;
  const head = req.method === 'HEAD';
  const json = head ? undefined : parse(res.body);
  const ok = res.status >= 200 && res.status < 300;
  const add = (kind: ViolationKind, group: string) => out.violations.push({ kind, group });

  if (res.status >= 500 && !(faultActive && res.status === 503 && res.headers['retry-after'])) {
    add('server-error', `${where} -> ${res.status} ${errorCode(json)} [${cause(req)}]`);
  }

  if (ok && isKeyProtected(req.target) && !req.credentials.apiKey) {
    const spelled = /^\/(v1|fhir)\//.test(req.target) ? 'as written' : 'respelled';
    add('auth-bypass', `${where}, path ${spelled}, no valid API key`);
  }
  if (ok && route === 'cds-hook' && !req.credentials.jwt) {
    add('auth-bypass', `${where} without a valid CDS client JWT`);
  }

  if (ok && route && ['determine', 'compare', 'pas-submit', 'cds-hook'].includes(route)) {
    const claimed = claimedRecords(route, json, res);
    if (!claimed) add('unstored-ack', `${where}: 2xx answer names no record id`);
    for (const c of claimed ?? []) {
      out.recordsChecked++;
      const found =
        c.kind === 'determination'
          ? await lookup.get(c.id)
          : c.kind === 'claim-response'
            ? await lookup.getClaimResponse(c.id)
            : await lookup.getCoverageAssertion(c.id);
      if (found === undefined || found === null)
        add('unstored-ack', `${where}: ${c.kind} not in the store`);
      else if (c.kind === 'determination') out.determinationIds.push(c.id);
      else if (c.kind === 'claim-response') out.claimResponseIds.push(c.id);
    }
  }

  if (res.status >= 400) {
    // Errors of the HTTP parser itself (headers over the limit, bytes that are not HTTP) are
    // raised on whatever piece of the stream it was reading, which need not hold the request
    // line: the route aimed at can be unknowable, so either error format is right, as long as
    // it is one of them.
    const parserError = res.status === 431 || (isObj(json) && json['code'] === 'bad-request');
    const routeUnknowable = parserError && !problemShapeErrors(res, json, head);
    if (isFhirFamily(req.target) && !routeUnknowable) {
      const why = operationOutcomeErrors(res, json, req.target, head);
      const family = isCdsFamily(req.target) ? '/cds-services' : '/fhir';
      if (why) add('not-operation-outcome', `${family} ${res.status} ${errorCode(json)}: ${why}`);
    } else {
      const why = problemShapeErrors(res, json, head);
      if (why) add('not-problem-json', `${res.status} ${errorCode(json)}: ${why}`);
      else if (!head && isObj(json)) {
        const problems = [
          json,
          ...(Array.isArray(json['problems']) ? json['problems'] : []),
        ].filter(isObj);
        const unhinted = problems.find(
          (p) =>
            CLIENT_FIXABLE.has(String(p['code'])) &&
            !(typeof p['hint'] === 'string' && p['hint'] !== ''),
        );
        if (unhinted) {
          const part =
            /^\/(querystring|params|headers)\b/.exec(String(unhinted['path'] ?? ''))?.[1] ?? 'body';
          add('problem-without-hint', `${res.status} ${String(unhinted['code'])} in the ${part}`);
        }
      }
    }
  }

  if (req.expectOk && !ok && res.status < 500) {
    add('valid-request-refused', `${res.status} ${errorCode(json)} [${cause(req)}]`);
  }
  return out;
}
