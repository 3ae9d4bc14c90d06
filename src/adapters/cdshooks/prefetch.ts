// The data a decision reads: prefetch first, then reads against the EHR's fhirServer with the
// access token the client gave (CRD found-5, found-24), only from servers on the trust list. A read
// that fails is recorded as a technical problem; the hook still answers 200 with indeterminate
// content for what it affects. Why it failed goes to the log, not to the caller: echoing an
// upstream's status would let a caller probe whatever the service can reach.
import { underFhirServer } from './fhir-server-allowlist.js';
import {
  asArray,
  isObject,
  isResource,
  refKey,
  resourceKey,
  resourcesIn,
  str,
  type Json,
} from './fhir.js';
import type { Targets } from './hook-behaviour.js';
import type { HookRequest } from './hook-request.js';

export type FhirReadResult = { ok: true; body: unknown } | { ok: false; message: string };

/** One GET against the EHR: `url` is absolute (fhirServer + path). */
export type FhirFetch = (url: string, accessToken: string | undefined) => Promise<FhirReadResult>;

export interface HttpFhirFetchOptions {
  /** Per read; the whole hook answers within CRD's 5 s, so keep this well under it. */
  timeoutMs?: number;
  /** Largest body accepted, in bytes. */
  maxBytes?: number;
}

/** A FhirFetch over Node's global fetch, with a timeout and a body size limit. */
export function httpFhirFetch(opts: HttpFhirFetchOptions = {}): FhirFetch {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const maxBytes = opts.maxBytes ?? 5_000_000;
  return async (url, accessToken) => {
    try {
      const headers: Record<string, string> = { accept: 'application/fhir+json, application/json' };
      if (accessToken) headers['authorization'] = `Bearer ${accessToken}`;
      const res = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const text = await res.text();
      if (text.length > maxBytes) return { ok: false, message: `${res.status} response too large` };
      if (!res.ok) return { ok: false, message: `HTTP ${res.status}` };
      try {
        return { ok: true, body: JSON.parse(text) as unknown };
      } catch {
        // Not the parser's message: it quotes the body, which may hold patient data.
        return { ok: false, message: `HTTP ${res.status} with a body that is not JSON` };
      }
    } catch (e) {
      const err = e as Error & { cause?: { code?: unknown } };
      if (err.name === 'TimeoutError')
        return { ok: false, message: `no answer within ${timeoutMs} ms` };
      const code = typeof err.cause?.code === 'string' ? ` (${err.cause.code})` : '';
      return { ok: false, message: `${err.message}${code}` };
    }
  };
}

/** A failed EHR read, for the service's log: no path (it holds patient ids), no token. */
export interface FhirReadFailure {
  fhirServer: string;
  resourceType: string;
  /** e.g. "HTTP 503", "no answer within 2000 ms", "fetch failed (ECONNREFUSED)". */
  reason: string;
}

export interface GatheredData {
  /** Every resource by "Type/id". */
  resources: Map<string, Json>;
  /**
   * "Type/id" of each resource that was needed but could be neither prefetched nor read, with
   * the problem as phrased for a reason text: an order's answer is technical only when a
   * resource it depends on is here (orderDependencies).
   */
  unread: Map<string, string>;
  /** The resources the hook decides, in context order. */
  targets: Json[];
  coverages: Json[];
  /** Coverage could be neither prefetched nor read. */
  coverageUnavailable: boolean;
  encounter?: Json;
  /** Technical problems (failed reads), phrased for a reason text; no PHI, no upstream detail. */
  problems: string[];
  /** How many reads went to the EHR. */
  reads: number;
}

const MAX_PAGES = 3;

class Reader {
  reads = 0;
  problems: string[] = [];
  /** The problem of the last failed or impossible read, for the keys it was meant to fetch. */
  lastProblem = '';
  constructor(
    private req: HookRequest,
    private fetchFhir: FhirFetch | undefined,
    private allowed: (fhirServer: string) => boolean,
    private onFailure: ((failure: FhirReadFailure) => void) | undefined,
  ) {}

  private problem(text: string) {
    this.problems.push(text);
    this.lastProblem = text;
  }

  private failed(fhirServer: string, resourceType: string, reason: string) {
    this.problem(`${resourceType} could not be read from the EHR`);
    this.onFailure?.({ fhirServer, resourceType, reason });
  }

  /** Reads `path` (relative to fhirServer), following searchset `next` links a few pages. */
  async read(path: string): Promise<unknown[] | undefined> {
    const type = path.split(/[/?]/)[0]!;
    const fhirServer = this.req.fhirServer;
    if (!fhirServer || !this.fetchFhir) {
      this.problem(`${type} was not prefetched and no FHIR server was given to read it from`);
      return undefined;
    }
    if (!this.allowed(fhirServer)) {
      this.problem(
        `${type} was not prefetched and the fhirServer given is not one this service reads from`,
      );
      return undefined;
    }
    const out: unknown[] = [];
    let url: string | undefined = `${fhirServer}/${path}`;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      this.reads++;
      const r = await this.fetchFhir(url, this.req.accessToken);
      if (!r.ok) {
        this.failed(fhirServer, type, r.message);
        return out.length > 0 ? out : undefined;
      }
      if (isResource(r.body) && r.body.resourceType === 'OperationOutcome') {
        this.failed(fhirServer, type, 'answered with an OperationOutcome');
        return undefined;
      }
      out.push(...resourcesIn(r.body));
      url = undefined;
      if (isResource(r.body) && r.body.resourceType === 'Bundle') {
        const next = asArray(r.body['link']).find((l) => isObject(l) && l['relation'] === 'next');
        const href = isObject(next) ? str(next['url']) : undefined;
        // Follow pages only under the same base: never send the token elsewhere (CRD sec-9).
        if (href && underFhirServer(href, fhirServer)) url = href;
      }
    }
    return out;
  }
}

function index(map: Map<string, Json>, rs: Iterable<unknown>) {
  for (const r of rs) {
    const k = resourceKey(r);
    if (k && !map.has(k)) map.set(k, r as Json);
  }
}

/** Prefetch value usable as data: present, and not an OperationOutcome (CDS Hooks allows both). */
function prefetched(req: HookRequest, key: string): { present: boolean; resources: Json[] } {
  if (!(key in req.prefetch)) return { present: false, resources: [] };
  const v = req.prefetch[key];
  if (v === null) return { present: true, resources: [] };
  if (isResource(v) && v.resourceType === 'OperationOutcome')
    return { present: false, resources: [] };
  if (!isResource(v)) return { present: false, resources: [] };
  return { present: true, resources: resourcesIn(v) };
}

function idSearch(type: string, keys: string[]): string {
  return `${type}?_id=${keys.map((k) => encodeURIComponent(k.split('/')[1]!)).join(',')}`;
}

/**
 * Fetches the missing resources among `keys`, grouped by type, in parallel; the keys a failed
 * read was for go to `unread` with its problem.
 */
async function readMissing(
  reader: Reader,
  resources: Map<string, Json>,
  unread: Map<string, string>,
  keys: string[],
) {
  const missing = [...new Set(keys)].filter((k) => !resources.has(k));
  const byType = new Map<string, string[]>();
  for (const k of missing)
    byType.set(k.split('/')[0]!, [...(byType.get(k.split('/')[0]!) ?? []), k]);
  await Promise.all(
    [...byType].map(async ([type, ks]) => {
      const got =
        ks.length === 1 ? await reader.read(ks[0]!) : await reader.read(idSearch(type, ks));
      if (got) index(resources, got);
      else for (const k of ks) unread.set(k, reader.lastProblem);
    }),
  );
}

/** The orders an order (an Appointment) is based on: what it is decided on. */
function basedOnOrders(order: Json): string[] {
  return asArray(order['basedOn'])
    .map(refKey)
    .filter((k): k is string => k !== undefined && /^(MedicationRequest|ServiceRequest)\//.test(k));
}

/** What the mapping reads of an order itself: its Medication and its reason Conditions. */
function orderReferences(order: Json): string[] {
  const out: string[] = [];
  const med = refKey(order['medicationReference']);
  if (med) out.push(med);
  for (const ref of asArray(order['reasonReference'])) {
    const k = refKey(ref);
    if (k?.startsWith('Condition/')) out.push(k);
  }
  return out;
}

/**
 * Every resource the decision on `order` reads besides the order, the Coverage and the
 * Encounter: the orders it is based on, Medications and reason Conditions. A failed read of one
 * of these can change the decision; a failed Encounter read cannot (it gives only the setting,
 * which decides nothing but prior authorization, and a missing setting already makes that
 * conditional with info-needed location).
 */
export function orderDependencies(order: Json, resources: ReadonlyMap<string, Json>): string[] {
  const based = basedOnOrders(order);
  return [
    ...based,
    ...orderReferences(order),
    ...based.flatMap((k) => {
      const r = resources.get(k);
      return r ? orderReferences(r) : [];
    }),
  ];
}

export async function gatherData(
  req: HookRequest,
  targets: Targets,
  fetchFhir: FhirFetch | undefined,
  /** Which EHR FHIR servers may be read (and sent the token); default: none. */
  fhirServerAllowed: (fhirServer: string) => boolean = () => false,
  onReadFailure?: (failure: FhirReadFailure) => void,
): Promise<GatheredData> {
  const reader = new Reader(req, fetchFhir, fhirServerAllowed, onReadFailure);
  const resources = new Map<string, Json>();
  const unread = new Map<string, string>();
  index(resources, targets.inline);
  for (const t of asArray(req.context['fulfillmentTasks'])) index(resources, [t]);
  for (const key of Object.keys(req.prefetch)) index(resources, prefetched(req, key).resources);

  const patientId = str(req.context['patientId']);
  const encounterId = str(req.context['encounterId']);
  const coveragePf = prefetched(req, 'coverage');
  const encounterKey = encounterId ? `Encounter/${encounterId}` : undefined;

  // Phase 1: coverage, encounter and the dispatched orders, in parallel.
  let coverages: Json[] = coveragePf.resources.filter((r) => r['resourceType'] === 'Coverage');
  let coverageUnavailable = false;
  await Promise.all([
    (async () => {
      if (coveragePf.present || !patientId) return;
      const got = await reader.read(
        `Coverage?patient=${encodeURIComponent(patientId)}&status=active`,
      );
      if (got === undefined) coverageUnavailable = true;
      else {
        coverages = got.filter((r): r is Json => isResource(r) && r.resourceType === 'Coverage');
        index(resources, coverages);
      }
    })(),
    encounterKey ? readMissing(reader, resources, unread, [encounterKey]) : Promise.resolve(),
    readMissing(reader, resources, unread, targets.refs),
  ]);
  const targetList = [
    ...targets.inline,
    ...targets.refs.map((k) => resources.get(k)).filter((r): r is Json => r !== undefined),
  ];
  for (const k of targets.refs)
    if (!resources.has(k))
      reader.problems.push(`the dispatched order ${k.split('/')[0]} could not be read`);

  // Phase 2: what the orders and coverages point to — the orders appointments are based on,
  // Medications, reason Conditions, payor Organizations without a name.
  const second = targetList.flatMap(basedOnOrders);
  await readMissing(reader, resources, unread, second);
  const orders = [
    ...targetList,
    ...second.map((k) => resources.get(k)).filter((r): r is Json => r !== undefined),
  ];
  const third = orders.flatMap(orderReferences);
  for (const c of coverages)
    for (const p of asArray(c['payor'])) {
      const k = refKey(p);
      if (
        k?.startsWith('Organization/') &&
        isObject(p) &&
        !str(p['display']) &&
        !isObject(p['identifier'])
      )
        third.push(k);
    }
  await readMissing(reader, resources, unread, third);

  const out: GatheredData = {
    resources,
    unread,
    targets: targetList,
    coverages,
    coverageUnavailable,
    problems: reader.problems,
    reads: reader.reads,
  };
  const encounter = encounterKey ? resources.get(encounterKey) : undefined;
  if (encounter) out.encounter = encounter;
  return out;
}
