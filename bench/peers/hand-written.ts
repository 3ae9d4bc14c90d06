// BCBSAL MP-446 hand-written in plain TypeScript, as fast as we could write it: the limit any
// engine is measured against, not something to maintain (every date, code and family of the
// policy is a literal here, and a new version of the policy means new code).
//
// Entry points, one for each benchmark path:
//  - decideHandWritten(facts): from the same derived facts the rule-engine peers get;
//  - handWrittenFromRequest(raw): from the raw request, the whole way: the same checks as the
//    other peers (validate-request.ts), then drug, routes and diagnoses read straight from the
//    request with memoized code lookups, and the decision, without building a facts object;
//  - handWrittenFromNormalized(request): the same from a request medpolicy's screening reader
//    has already read and validated (the screening benchmark gives every engine that reader).
import type { NormalizedRequest } from '../../src/model/normalized-request.js';
import type { Terminology } from '../../src/terminology/terminology.js';
import { CODE_ROUTES, HCPCS_DRUG, type Mp446Facts, type PeerDecision } from './mp446-facts.js';
import { peerRequestProblem } from './validate-request.js';

const NONE: readonly string[] = Object.freeze([]);
const ASKS_FEP: readonly string[] = Object.freeze(['facts.fep-benefit-plan-covers']);
const ASKS_HOME: readonly string[] = Object.freeze(['facts.home-plan-covers']);
const ASKS_GROUP: readonly string[] = Object.freeze(['facts.group-policy-covers']);

function versionAt(dos: string): string | null {
  if (dos < '2010-11-06') return null;
  if (dos < '2014-10-01') return '2010-11';
  if (dos < '2018-12-01') return '2014-10';
  if (dos < '2021-12-01') return '2018-12';
  if (dos < '2023-12-01') return '2021-12';
  if (dos < '2024-11-01') return '2023-12';
  return '2024-11';
}

function codeNotEffective(code: string, dos: string): boolean {
  switch (code) {
    case 'J2002':
    case 'J2003':
    case 'J2004':
      return dos < '2024-10-01';
    case 'S0013':
      return dos > '2025-12-31';
    case 'J0013':
      return dos < '2026-01-01';
    default:
      return false;
  }
}

/** What MP-446 makes of an indication family: from its lineage, once per family. */
interface FamilyRole {
  family: string;
  chronicPain: boolean;
  psychiatric: boolean;
  excluded: boolean;
}

function familyRole(family: string, lineage: ReadonlySet<string> | readonly string[]): FamilyRole {
  const has = (x: string) =>
    Array.isArray(lineage) ? lineage.includes(x) : (lineage as ReadonlySet<string>).has(x);
  return {
    family,
    chronicPain: has('chronic-pain'),
    psychiatric: has('psychiatric'),
    excluded: has('cancer-pain') || has('cardiac-arrhythmia') || has('anesthesia'),
  };
}

/** 'statement', 'exclusion' or null: whether the version in force speaks to the family. */
function roleOf(f: FamilyRole, dos: string): 'statement' | 'exclusion' | null {
  if (f.chronicPain) return 'statement';
  if (f.psychiatric && dos >= '2018-12-01') return 'statement';
  return f.excluded ? 'exclusion' : null;
}

function decision(
  outcome: string,
  basis: string | null,
  version: string | null,
  indication: string | null,
  missing: readonly string[],
  codesNotEffective: readonly string[],
): PeerDecision {
  return {
    outcome,
    basis,
    priorAuth: 'not-applicable',
    version,
    indication,
    missing: missing as string[],
    codesNotEffective: codesNotEffective as string[],
  };
}

interface Request {
  dos: string;
  lineOfBusiness: string | undefined;
  homePlan: boolean;
  groupPolicy: boolean;
  /** A drug is named or inferred (known to the catalog). */
  drug: boolean;
  drugUnknown: boolean;
  anesthetic: boolean;
  routeCount: number;
  intravenous: boolean;
  /** The first family the version speaks to, with its role. */
  decidingFamily: string | null;
  role: 'statement' | 'exclusion' | null;
  candidates: number;
  unclassified: number;
  codesNotEffective: readonly string[];
}

function decideLine(r: Request): PeerDecision {
  const version = versionAt(r.dos);
  const codes = r.codesNotEffective;
  const oos = (indication: string | null = null) =>
    decision('out-of-scope', null, version, indication, NONE, codes);
  if (version === null) return oos();
  if (r.drug && !r.anesthetic) return oos();
  if (r.drugUnknown) return oos();
  if (r.routeCount > 0 && !r.intravenous) return oos();
  if (r.role === 'exclusion') return oos(r.decidingFamily);
  if (r.role === null && (r.candidates > 0 || r.unclassified > 0)) return oos();
  const noDrug = !r.drug && !r.drugUnknown;
  const noRoute = r.routeCount === 0;
  const noDiagnosis = r.candidates === 0 && r.unclassified === 0;
  if (noDrug || noRoute || noDiagnosis) {
    const missing: string[] = [];
    if (noDrug) missing.push('drug');
    if (noRoute) missing.push('route');
    if (noDiagnosis) missing.push('diagnosisCodes');
    return decision('needs-info', null, version, null, missing, codes);
  }
  if (r.routeCount > 1) return decision('needs-info', null, version, null, ['route'], codes);
  const family = r.decidingFamily;
  // Each Benefit Application exception asks its fact beyond the request (facts.yaml).
  if (r.lineOfBusiness === 'fep')
    return decision('conditional', 'fep-benefit-plan', version, family, ASKS_FEP, codes);
  if (r.homePlan)
    return decision('conditional', 'home-plan-policy', version, family, ASKS_HOME, codes);
  if (r.groupPolicy)
    return decision('conditional', 'group-specific-policy', version, family, ASKS_GROUP, codes);
  return decision('not-covered', 'investigational', version, family, NONE, codes);
}

/** From the facts every peer gets (mp446-facts.ts). */
export function decideHandWritten(f: Mp446Facts): PeerDecision {
  let role: 'statement' | 'exclusion' | null = null;
  let decidingFamily: string | null = null;
  for (const c of f.candidates) {
    role = roleOf(familyRole(c.family, c.lineage), f.dos);
    if (role) {
      decidingFamily = c.family;
      break;
    }
  }
  let codes = NONE;
  for (const c of f.hcpcs)
    if (codeNotEffective(c, f.dos)) codes = codes === NONE ? [c] : [...codes, c];
  return decideLine({
    dos: f.dos,
    lineOfBusiness: f.lineOfBusiness,
    homePlan: f.homePlan,
    groupPolicy: f.groupPolicy,
    drug: f.drug !== null,
    drugUnknown: f.drugUnknown,
    anesthetic: f.drugClasses.includes('anesthetic'),
    routeCount: f.routes.length,
    intravenous: f.routes.includes('intravenous'),
    decidingFamily,
    role,
    candidates: f.candidates.length,
    unclassified: f.unclassified,
    codesNotEffective: codes,
  });
}

const ROUTE_BITS: Record<string, number> = {
  intravenous: 1,
  intramuscular: 2,
  subcutaneous: 4,
  intranasal: 8,
};
const CODE_ROUTE_BITS = new Map(
  Object.entries(CODE_ROUTES).map(([c, rs]) => [c, rs.reduce((m, r) => m | ROUTE_BITS[r]!, 0)]),
);
const bitCount = (m: number) => (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1) + ((m >> 3) & 1);

/** Memoized lookups, per terminology: a diagnosis as written → its family's role, a drug name → whether it is an anesthetic. */
class Lookups {
  private readonly dx = new Map<string, FamilyRole | null>();
  private readonly families = new Map<string, FamilyRole>();
  private readonly drugs = new Map<string, boolean | undefined>();
  constructor(private readonly t: Terminology) {}

  diagnosis(raw: string): FamilyRole | null {
    let f = this.dx.get(raw);
    if (f === undefined) {
      const m = this.t.indications.classify(raw.trim().toUpperCase().replace('.', ''));
      f = m ? this.family(m.family) : null;
      if (this.dx.size < 100_000) this.dx.set(raw, f);
    }
    return f;
  }

  family(id: string): FamilyRole {
    let f = this.families.get(id);
    if (!f) this.families.set(id, (f = familyRole(id, this.t.indications.lineage(id))));
    return f;
  }

  /** Whether the named drug is an anesthetic; undefined when the catalog does not know it. */
  anesthetic(name: string): boolean | undefined {
    if (this.drugs.has(name)) return this.drugs.get(name);
    const d = this.t.drugs.resolve(name.trim());
    const a = d ? d.classes.includes('anesthetic') : undefined;
    if (this.drugs.size < 100_000) this.drugs.set(name, a);
    return a;
  }

  anestheticId(id: string): boolean {
    return this.t.drugs.drugs.get(id)?.classes.includes('anesthetic') ?? false;
  }
}

const lookups = new WeakMap<Terminology, Lookups>();

/** The decision from the raw request, or null when the request is refused. */
export function handWrittenFromRequest(
  raw: unknown,
  t: Terminology,
  payers: ReadonlySet<string>,
  envelope?: ReadonlySet<string>,
): PeerDecision | null {
  if (peerRequestProblem(raw, t, payers, envelope) !== undefined) return null;
  const req = raw as Record<string, unknown>;
  return decideFields(
    req as unknown as Fields,
    (req.procedureCodes as string[] | undefined) ?? NONE,
    (req.diagnosisCodes as string[] | undefined) ?? NONE,
    t,
  );
}

/** The decision from a request medpolicy's reader has validated and normalized. */
export function handWrittenFromNormalized(req: NormalizedRequest, t: Terminology): PeerDecision {
  return decideFields(req, req.procedureCodes, req.diagnosisCodes, t);
}

interface Fields {
  payer: string;
  dateOfService: string;
  lineOfBusiness?: string | undefined;
  homePlan?: string | undefined;
  groupPolicy?: boolean | undefined;
  drug?: string | undefined;
  route?: string | undefined;
  indication?: string | undefined;
}

function decideFields(
  req: Fields,
  procedureCodes: readonly (string | { code: string })[],
  dx: readonly string[],
  t: Terminology,
): PeerDecision {
  let l = lookups.get(t);
  if (!l) lookups.set(t, (l = new Lookups(t)));
  const dos = req.dateOfService;
  let drug = false;
  let drugUnknown = false;
  let anesthetic = false;
  let routeBits = 0;
  let inferredDrug: string | null = null;
  let drugsNamed = 0;
  let codes = NONE;
  for (const p of procedureCodes) {
    const c = typeof p === 'string' ? p.trim().toUpperCase() : p.code;
    const named = HCPCS_DRUG[c];
    if (named !== undefined && named !== inferredDrug) {
      inferredDrug = named;
      drugsNamed++;
    }
    routeBits |= CODE_ROUTE_BITS.get(c) ?? 0;
    if (codeNotEffective(c, dos)) codes = codes === NONE ? [c] : [...codes, c];
  }
  if (typeof req.drug === 'string') {
    const a = l.anesthetic(req.drug);
    if (a === undefined) drugUnknown = true;
    else {
      drug = true;
      anesthetic = a;
    }
  } else if (drugsNamed === 1) {
    drug = true;
    anesthetic = l.anestheticId(inferredDrug!);
  }
  if (typeof req.route === 'string') routeBits = ROUTE_BITS[req.route] ?? 16;

  let role: 'statement' | 'exclusion' | null = null;
  let decidingFamily: string | null = null;
  let candidates = 0;
  let unclassified = 0;
  if (typeof req.indication === 'string') {
    const f = l.family(req.indication);
    candidates++;
    role = roleOf(f, dos);
    if (role) decidingFamily = f.family;
  }
  for (let i = 0; i < dx.length && role === null; i++) {
    const f = l.diagnosis(dx[i]!);
    if (f === null) unclassified++;
    else {
      candidates++;
      role = roleOf(f, dos);
      if (role) decidingFamily = f.family;
    }
  }
  return decideLine({
    dos,
    lineOfBusiness: req.lineOfBusiness,
    homePlan: typeof req.homePlan === 'string' && req.homePlan !== req.payer,
    groupPolicy: req.groupPolicy === true,
    drug,
    drugUnknown,
    anesthetic,
    routeCount: bitCount(routeBits) + (routeBits & 16 ? 1 : 0),
    intravenous: (routeBits & 1) !== 0,
    decidingFamily,
    role,
    candidates,
    unclassified,
    codesNotEffective: codes,
  });
}
