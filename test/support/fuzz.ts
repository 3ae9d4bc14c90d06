// A deterministic mutational fuzzer of the service's HTTP requests. Request i of a run is a seed
// for one of the routes (fuzz-seeds.ts), given credentials, a content type and maybe an
// Idempotency-Key, then 0-3 mutations (fuzz-body-mutations.ts, fuzz-request-mutations.ts), all
// drawn from a generator seeded by (run seed, i). The request carries what the oracle needs to
// judge its answer: which credentials it holds, and whether it must succeed.
import { BODY_MUTATIONS, type Mutation, type Stage } from './fuzz-body-mutations.js';
import { bodyBytes, target, type Draft } from './fuzz-draft.js';
import { rng, type Rng } from './fuzz-prng.js';
import { REQUEST_MUTATIONS } from './fuzz-request-mutations.js';
import type { RouteId } from './fuzz-routes.js';
import { seedFunctions, type RecordedIds } from './fuzz-seeds.js';

export {
  decodedPath,
  isKeyProtected,
  matchRoute,
  RECORDING_ROUTES,
  type RouteId,
} from './fuzz-routes.js';
export type { RecordedIds } from './fuzz-seeds.js';

export interface Credentials {
  /** A live API key, presented in a form the service must accept. */
  apiKey: boolean;
  /** A CDS client JWT signed by a trusted issuer for the service called. */
  jwt: boolean;
}

export interface FuzzRequest {
  index: number;
  /** The route the seed was for (the mutated request may reach another, or none). */
  seed: RouteId;
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked: boolean;
  jwtAudience?: string;
  credentials: Credentials;
  /** Built only with meaning-preserving changes from a valid seed: must be answered 2xx. */
  expectOk: boolean;
  /** What was done to the seed, for grouping and reproducing. */
  mutations: string[];
}

export interface FuzzWorld {
  apiKey: string;
  revokedKey: string;
  publicUrl: string;
  policyIds: readonly string[];
  webBuilt: boolean;
  ids: RecordedIds;
}

/** Shown in reproducers in place of the live key, so no secret is printed. */
export const KEY_PLACEHOLDER = '$MEDPOLICY_KEY';

const ALL_MUTATIONS: Mutation[] = [...BODY_MUTATIONS, ...REQUEST_MUTATIONS];
const STAGE_ORDER: Record<Stage, number> = { value: 0, text: 1, bytes: 2, request: 3 };

// RFC 9110 §8.3.1: type, subtype and parameter names are case-insensitive, parameters may follow.
const JSON_TYPES_OK = [
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'application/json ; charset=utf-8',
  'application/json; charset="utf-8"',
  'Application/JSON',
];
const FHIR_TYPES_OK = [
  'application/fhir+json; fhirVersion=4.0',
  'application/fhir+json; charset=utf-8',
  'application/fhir+json;fhirVersion=4.0;charset=utf-8',
  'application/json',
];
const OTHER_TYPES = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/xml',
  'application/fhir+xml',
  'application/json, text/plain',
  '',
  'application/',
  '*/*',
  'application/jsonx',
  'text/json',
];

type AuthChoice = { label: string; headers: Record<string, string>; apiKey: boolean; jwt?: string };

function apiKeyAuth(r: Rng, w: FuzzWorld): AuthChoice {
  const key = w.apiKey;
  const roll = r.next();
  if (roll < 0.62)
    return { label: 'bearer-key', headers: { authorization: `Bearer ${key}` }, apiKey: true };
  if (roll < 0.7) return { label: 'x-api-key', headers: { 'x-api-key': key }, apiKey: true };
  if (roll < 0.73)
    return {
      label: 'bearer-key-spaces',
      headers: { authorization: `Bearer   ${key}  ` },
      apiKey: true,
    };
  // RFC 9110 §11.1: the scheme name is case-insensitive.
  if (roll < 0.75)
    return {
      label: 'bearer-key-lowercase-scheme',
      headers: { authorization: `bearer ${key}` },
      apiKey: true,
    };
  const bad: [string, Record<string, string>][] = [
    ['none', {}],
    ['bearer-empty', { authorization: 'Bearer ' }],
    ['bearer-word-only', { authorization: 'Bearer' }],
    ['bearer-wrong', { authorization: 'Bearer mp_wrong' }],
    ['basic', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['bearer-key-suffix', { authorization: `Bearer ${key}x` }],
    ['bearer-key-prefix', { authorization: `Bearer x${key}` }],
    ['revoked-key', { authorization: `Bearer ${w.revokedKey}` }],
    ['bearer-long', { authorization: `Bearer ${'A'.repeat(8000)}` }],
    ['x-api-key-empty', { 'x-api-key': '' }],
    ['x-api-key-wrong', { 'x-api-key': 'mp_wrong' }],
    ['wrong-header', { 'x-authorization': `Bearer ${key}` }],
    ['bearer-jwt-shape', { authorization: 'Bearer a.b.c' }],
  ];
  const [label, headers] = r.pick(bad);
  return { label, headers, apiKey: false };
}

function jwtAuth(r: Rng, w: FuzzWorld, service: string): AuthChoice {
  const roll = r.next();
  const aud = (id: string) => `${w.publicUrl}/cds-services/${id}`;
  if (roll < 0.72) return { label: 'jwt', headers: {}, apiKey: false, jwt: aud(service) };
  if (roll < 0.78)
    return {
      label: 'jwt-other-audience',
      headers: {},
      apiKey: false,
      jwt: aud('medpolicy-nothing'),
    };
  const [label, headers] = r.pick<[string, Record<string, string>]>([
    ['none', {}],
    ['bearer-api-key', { authorization: `Bearer ${w.apiKey}` }],
    ['bearer-jwt-shape', { authorization: 'Bearer a.b.c' }],
    ['basic', { authorization: 'Basic dXNlcjpwYXNz' }],
  ]);
  return { label, headers, apiKey: false };
}

function idempotency(
  r: Rng,
  seed: number,
  index: number,
): { label: string; key?: string; preserving: boolean } {
  const roll = r.next();
  if (roll < 0.6) return { label: 'none', preserving: true };
  if (roll < 0.85) return { label: 'fresh', key: `fz-${seed}-${index}`, preserving: true };
  if (roll < 0.88)
    return { label: 'fresh-255', key: `fz-${seed}-${index}-`.padEnd(255, 'k'), preserving: true };
  if (roll < 0.94)
    return { label: 'reused', key: `fz-${seed}-pool-${r.int(8)}`, preserving: false };
  const [label, key] = r.pick([
    ['empty', ''],
    ['space', 'a b'],
    ['256', 'k'.repeat(256)],
    ['latin1', 'cl\u00e9'],
    ['tab', 'a\tb'],
  ]);
  return { label, key, preserving: false };
}

function pickWeighted(r: Rng, ms: Mutation[]): Mutation {
  let total = 0;
  for (const m of ms) total += m.weight;
  let x = r.next() * total;
  for (const m of ms) if ((x -= m.weight) < 0) return m;
  return ms.at(-1)!;
}

export class FuzzGenerator {
  private readonly seeds: ReturnType<typeof seedFunctions>;
  private readonly totalWeight: number;

  constructor(
    readonly seed: number,
    private readonly world: FuzzWorld,
  ) {
    this.seeds = seedFunctions(world.policyIds, world.webBuilt);
    this.totalWeight = this.seeds.reduce((s, x) => s + x.weight, 0);
  }

  /** Request `index` of this run: the same for the same seed, whatever was sent before. */
  request(index: number, opts: { mutate?: boolean } = {}): FuzzRequest {
    const r = rng(this.seed, index);
    let x = r.next() * this.totalWeight;
    const seedFn = this.seeds.find((s) => (x -= s.weight) < 0) ?? this.seeds[0]!;
    const s = seedFn.make(r, this.world.ids);
    const d: Draft = {
      seed: s,
      method: s.method,
      path: s.path,
      query: s.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
      headers: {},
      body: s.body === undefined ? undefined : structuredClone(s.body),
      verbatim: [],
      chunked: false,
      preserving: true,
      applied: [],
    };

    const auth =
      s.route === 'cds-hook' ? jwtAuth(r, this.world, s.cdsService!) : apiKeyAuth(r, this.world);
    Object.assign(d.headers, auth.headers);
    if (auth.jwt) d.jwtAudience = auth.jwt;
    d.applied.push(`auth:${auth.label}`);

    if (s.contentType) {
      let type: string | undefined = s.contentType;
      if (r.chance(0.25)) {
        const fhir = s.contentType.includes('fhir');
        if (r.chance(0.5)) type = r.pick(fhir ? FHIR_TYPES_OK : JSON_TYPES_OK);
        else {
          type = r.pick(OTHER_TYPES);
          d.preserving = false;
        }
        d.applied.push(`content-type:${type ?? '(none)'}`);
      }
      if (type !== undefined) d.headers['content-type'] = type;
    }

    if (s.method === 'POST' && (s.route === 'determine' || s.route === 'compare')) {
      const idem = idempotency(r, this.seed, index);
      if (idem.key !== undefined) d.headers['idempotency-key'] = idem.key;
      if (!idem.preserving) d.preserving = false;
      if (idem.label !== 'none') d.applied.push(`idempotency-key:${idem.label}`);
    }

    const count = opts.mutate === false ? 0 : r.pick([0, 1, 1, 1, 2, 2, 3]);
    const chosen: Mutation[] = [];
    for (let k = 0; k < count; k++) {
      const open = ALL_MUTATIONS.filter((m) => !chosen.includes(m) && m.applies(d));
      if (open.length > 0) chosen.push(pickWeighted(r, open));
    }
    chosen.sort((a, b) => STAGE_ORDER[a.stage] - STAGE_ORDER[b.stage]);
    for (const m of chosen) {
      if (!m.applies(d)) continue;
      if (m.apply(d, r)) d.preserving = false;
      d.applied.push(m.name);
    }

    const needs = routeNeeds(s.route);
    const credentials = {
      apiKey: auth.apiKey,
      jwt: auth.jwt !== undefined && auth.label === 'jwt',
    };
    const body = bodyBytes(d);
    return {
      index,
      seed: s.route,
      method: d.method,
      target: target(d),
      headers: d.headers,
      ...(body !== undefined ? { body } : {}),
      chunked: d.chunked,
      ...(d.jwtAudience !== undefined ? { jwtAudience: d.jwtAudience } : {}),
      credentials,
      expectOk: s.valid !== false && d.preserving && (needs === 'none' || credentials[needs]),
      mutations: d.applied,
    };
  }
}

function routeNeeds(route: RouteId): 'apiKey' | 'jwt' | 'none' {
  if (route === 'cds-hook') return 'jwt';
  if (['cds-discovery', 'healthz', 'openapi', 'docs', 'web'].includes(route)) return 'none';
  return 'apiKey';
}
