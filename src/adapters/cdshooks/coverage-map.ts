// The payer / plan-code → payer, lineOfBusiness, planType mapping, read from
// policies/crd-coverage-map.yaml. No payer is named in code: a new payer is a row in that file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  LINES_OF_BUSINESS,
  PLAN_TYPES,
  type LineOfBusiness,
  type PlanType,
} from '../../model/vocabulary.js';
import { policiesDir } from '../../package-root.js';
import {
  asArray,
  codings,
  containsWords,
  isObject,
  refKey,
  resourceKey,
  str,
  type Json,
} from './fhir.js';

export interface IdentifierRow {
  system?: string;
  value?: string;
}
export interface PlanRow {
  value?: string;
  nameContains?: string;
  lineOfBusiness?: LineOfBusiness;
  planType?: PlanType;
}
export interface TypeRow {
  system: string;
  code: string;
  lineOfBusiness?: LineOfBusiness;
  planType?: PlanType;
}
export interface PayerRow {
  payer: string;
  label: string;
  identifiers: IdentifierRow[];
  names: string[];
  plans: PlanRow[];
}
export interface CoverageMap {
  payers: PayerRow[];
  commonPlans: PlanRow[];
  types: TypeRow[];
  medicare: { names: string[]; identifiers: IdentifierRow[]; types: TypeRow[] };
}

export const COVERAGE_MAP_FILE = 'policies/crd-coverage-map.yaml';

const cached = new Map<string, CoverageMap>();

/** The mapping in the policies directory (default: MEDPOLICY_POLICIES or the package's); parsed and checked once. */
export function loadCoverageMap(dir = policiesDir()): CoverageMap {
  let map = cached.get(dir);
  if (map) return map;
  map = compileCoverageMap(parse(readFileSync(join(dir, 'crd-coverage-map.yaml'), 'utf8')));
  cached.set(dir, map);
  return map;
}

export function compileCoverageMap(raw: unknown): CoverageMap {
  const where = COVERAGE_MAP_FILE;
  if (!isObject(raw)) throw new Error(`${where}: not a mapping`);
  const plan = (p: unknown, at: string): PlanRow => {
    if (!isObject(p)) throw new Error(`${where}: ${at} is not a mapping`);
    const row: PlanRow = {};
    if (str(p['value'])) row.value = String(p['value']);
    if (str(p['nameContains'])) row.nameContains = String(p['nameContains']);
    if (!row.value && !row.nameContains)
      throw new Error(`${where}: ${at} needs value or nameContains`);
    Object.assign(row, vocab(p, at));
    return row;
  };
  const vocab = (p: Json, at: string) => {
    const out: { lineOfBusiness?: LineOfBusiness; planType?: PlanType } = {};
    const lob = p['lineOfBusiness'];
    if (lob !== undefined) {
      if (!(LINES_OF_BUSINESS as readonly unknown[]).includes(lob))
        throw new Error(`${where}: ${at}: unknown lineOfBusiness ${String(lob)}`);
      out.lineOfBusiness = lob as LineOfBusiness;
    }
    const pt = p['planType'];
    if (pt !== undefined) {
      if (!(PLAN_TYPES as readonly unknown[]).includes(pt))
        throw new Error(`${where}: ${at}: unknown planType ${String(pt)}`);
      out.planType = pt as PlanType;
    }
    return out;
  };
  const typeRow = (t: unknown, at: string): TypeRow => {
    if (!isObject(t) || !str(t['system']) || !str(t['code']))
      throw new Error(`${where}: ${at} needs system and code`);
    return { system: String(t['system']), code: String(t['code']), ...vocab(t, at) };
  };
  const idRow = (i: unknown, at: string): IdentifierRow => {
    if (!isObject(i)) throw new Error(`${where}: ${at} is not a mapping`);
    const row: IdentifierRow = {};
    if (str(i['system'])) row.system = String(i['system']);
    if (i['value'] !== undefined) row.value = String(i['value']);
    return row;
  };
  const payers = asArray(raw['payers']).map((p, i): PayerRow => {
    if (!isObject(p) || !str(p['payer'])) throw new Error(`${where}: payers[${i}] needs payer`);
    return {
      payer: String(p['payer']),
      label: str(p['label']) ?? String(p['payer']),
      identifiers: asArray(p['identifiers']).map((x, j) =>
        idRow(x, `payers[${i}].identifiers[${j}]`),
      ),
      names: asArray(p['names']).map(String),
      plans: asArray(p['plans']).map((x, j) => plan(x, `payers[${i}].plans[${j}]`)),
    };
  });
  const med = isObject(raw['medicare']) ? raw['medicare'] : {};
  return {
    payers,
    commonPlans: asArray(raw['commonPlans']).map((x, j) => plan(x, `commonPlans[${j}]`)),
    types: asArray(raw['types']).map((x, j) => typeRow(x, `types[${j}]`)),
    medicare: {
      names: asArray(med['names']).map(String),
      identifiers: asArray(med['identifiers']).map((x, j) =>
        idRow(x, `medicare.identifiers[${j}]`),
      ),
      types: asArray(med['types']).map((x, j) => typeRow(x, `medicare.types[${j}]`)),
    },
  };
}

/** The payor names and identifiers of a Coverage, resolving payor references to Organizations. */
function payorFacts(coverage: Json, orgs: ReadonlyMap<string, Json>) {
  const names: string[] = [];
  const identifiers: { system?: string | undefined; value?: string | undefined }[] = [];
  for (const p of asArray(coverage['payor'])) {
    if (!isObject(p)) continue;
    const display = str(p['display']);
    if (display) names.push(display);
    if (isObject(p['identifier']))
      identifiers.push({
        system: str(p['identifier']['system']),
        value: str(p['identifier']['value']),
      });
    const key = refKey(p);
    const org = key ? orgs.get(key) : undefined;
    if (org) {
      const n = str(org['name']);
      if (n) names.push(n);
      for (const a of asArray(org['alias'])) if (str(a)) names.push(String(a));
      for (const id of asArray(org['identifier']))
        if (isObject(id)) identifiers.push({ system: str(id['system']), value: str(id['value']) });
    }
  }
  return { names, identifiers };
}

function idMatches(
  row: IdentifierRow,
  id: { system?: string | undefined; value?: string | undefined },
) {
  if (row.system !== undefined && row.system !== id.system) return false;
  if (row.value !== undefined)
    return id.value !== undefined && row.value.toLowerCase() === id.value.toLowerCase();
  return row.system !== undefined;
}

export function matchPayer(
  coverage: Json,
  map: CoverageMap,
  orgs: ReadonlyMap<string, Json> = new Map(),
): { row: PayerRow; via: string } | undefined {
  const { names, identifiers } = payorFacts(coverage, orgs);
  for (const row of map.payers)
    for (const id of identifiers)
      if (row.identifiers.some((r) => idMatches(r, id)))
        return { row, via: `payor identifier ${id.system ?? ''}|${id.value ?? ''}` };
  for (const row of map.payers)
    for (const n of names)
      if (row.names.some((rn) => containsWords(n, rn))) return { row, via: `payor name "${n}"` };
  return undefined;
}

/** Plan codes and names a Coverage carries: class values and names, type codings. */
function planFacts(coverage: Json) {
  const values: string[] = [];
  const names: string[] = [];
  for (const c of asArray(coverage['class'])) {
    if (!isObject(c)) continue;
    if (str(c['value'])) values.push(String(c['value']));
    if (str(c['name'])) names.push(String(c['name']));
  }
  for (const c of codings(coverage['type'])) {
    values.push(c.code!);
    if (c.display) names.push(c.display);
  }
  if (isObject(coverage['type']) && str(coverage['type']['text']))
    names.push(String(coverage['type']['text']));
  return { values, names };
}

function planRowMatches(row: PlanRow, facts: { values: string[]; names: string[] }) {
  if (row.value && facts.values.some((v) => v.toLowerCase() === row.value!.toLowerCase()))
    return true;
  if (row.nameContains && facts.names.some((n) => containsWords(n, row.nameContains!))) return true;
  return false;
}

export function isMedicare(
  coverage: Json,
  map: CoverageMap,
  orgs: ReadonlyMap<string, Json>,
): boolean {
  const { names } = payorFacts(coverage, orgs);
  if (names.some((n) => map.medicare.names.some((m) => containsWords(n, m)))) return true;
  for (const id of asArray(coverage['identifier']))
    if (
      isObject(id) &&
      map.medicare.identifiers.some((r) =>
        idMatches(r, { system: str(id['system']), value: str(id['value']) }),
      )
    )
      return true;
  return codings(coverage['type']).some((c) =>
    map.medicare.types.some((t) => t.system === c.system && t.code === c.code),
  );
}

export interface ResolvedCoverage {
  coverage: Json;
  /** "Coverage/id" as the client knows it; the extension's `coverage` reference. */
  reference: string;
  payer?: string;
  label?: string;
  lineOfBusiness?: LineOfBusiness;
  planType?: PlanType;
  medicarePrimary: boolean;
  /** How each value was found, for the README's mapping and for tests. */
  via: string[];
}

export type CoverageSelection =
  | { kind: 'none' }
  | { kind: 'foreign'; coverage: ResolvedCoverage }
  | { kind: 'ours'; coverage: ResolvedCoverage };

function isActive(c: Json, date: string | undefined): boolean {
  const status = str(c['status']);
  if (status !== undefined && status !== 'active') return false;
  if (!date || !isObject(c['period'])) return true;
  const start = str(c['period']['start'])?.slice(0, 10);
  const end = str(c['period']['end'])?.slice(0, 10);
  return !(start && date < start) && !(end && date > end);
}

function orderOf(c: Json): number {
  return typeof c['order'] === 'number' ? c['order'] : Number.POSITIVE_INFINITY;
}

/**
 * The coverage this server answers for: the patient's active Coverage whose payor maps to one of
 * our payers (the lowest `order` if several), with its line of business and plan type; else the
 * first active Coverage as `foreign`; else `none`.
 */
export function selectCoverage(
  coverages: readonly Json[],
  map: CoverageMap,
  orgs: ReadonlyMap<string, Json>,
  dateOfService?: string,
): CoverageSelection {
  const active = coverages.filter(
    (c) => c['resourceType'] === 'Coverage' && isActive(c, dateOfService),
  );
  if (active.length === 0) return { kind: 'none' };
  const ours = active
    .map((c) => ({ c, m: matchPayer(c, map, orgs) }))
    .filter((x) => x.m !== undefined)
    .sort((a, b) => orderOf(a.c) - orderOf(b.c));
  const first = ours[0];
  if (!first) {
    const c = active[0]!;
    return {
      kind: 'foreign',
      coverage: {
        coverage: c,
        reference: resourceKey(c) ?? 'Coverage',
        medicarePrimary: false,
        via: [],
      },
    };
  }
  const { c, m } = first as { c: Json; m: { row: PayerRow; via: string } };
  const via = [`payer ${m.row.payer} from ${m.via}`];
  const facts = planFacts(c);
  let lineOfBusiness: LineOfBusiness | undefined;
  let planType: PlanType | undefined;
  for (const row of [...m.row.plans, ...map.commonPlans]) {
    if (!planRowMatches(row, facts)) continue;
    if (!lineOfBusiness && row.lineOfBusiness) {
      lineOfBusiness = row.lineOfBusiness;
      via.push(`lineOfBusiness ${lineOfBusiness} from plan row ${row.value ?? row.nameContains}`);
    }
    if (!planType && row.planType) {
      planType = row.planType;
      via.push(`planType ${planType} from plan row ${row.value ?? row.nameContains}`);
    }
  }
  for (const coding of codings(c['type'])) {
    const t = map.types.find((r) => r.system === coding.system && r.code === coding.code);
    if (!t) continue;
    if (!lineOfBusiness && t.lineOfBusiness) {
      lineOfBusiness = t.lineOfBusiness;
      via.push(`lineOfBusiness ${lineOfBusiness} from Coverage.type ${t.code}`);
    }
    if (!planType && t.planType) {
      planType = t.planType;
      via.push(`planType ${planType} from Coverage.type ${t.code}`);
    }
  }
  const myOrder = orderOf(c);
  const medicarePrimary = active.some(
    (o) =>
      o !== c &&
      isMedicare(o, map, orgs) &&
      (orderOf(o) < myOrder || myOrder === Number.POSITIVE_INFINITY),
  );
  if (medicarePrimary)
    via.push('medicarePrimary from another active Medicare coverage ranked first');
  const resolved: ResolvedCoverage = {
    coverage: c,
    reference: resourceKey(c) ?? 'Coverage',
    payer: m.row.payer,
    label: m.row.label,
    medicarePrimary,
    via,
  };
  if (lineOfBusiness) resolved.lineOfBusiness = lineOfBusiness;
  if (planType) resolved.planType = planType;
  return { kind: 'ours', coverage: resolved };
}
