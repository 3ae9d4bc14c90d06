// Peer implementations, for comparison only: BCBSAL MP-446 hand-encoded in generic rule engines
// (JsonLogic, json-rules-engine) the way a team without medpolicy would write it. This file is
// the host glue the peers share: it turns a CoverageRequest line into the flat facts a rules
// engine consumes (the request's checks are in validate-request.ts).
//
// What is terminology here (code formats, the HCPCS drug and route codes, the drug catalog's
// anesthetic class, ICD-10-CM to indication family) is looked up from small literal tables or
// from medpolicy's own value sets, exactly as such a team would import a value set; what is
// policy (versions, products, scope, indications, exclusions, verdicts, code dates) is in the
// peers' rules.
import type { NormalizedRequest } from '../../src/model/normalized-request.js';
import type { Terminology } from '../../src/terminology/terminology.js';

export interface Mp446Facts {
  dos: string;
  lineOfBusiness: string;
  homePlan: boolean;
  groupPolicy: boolean;
  /** The drug as named (resolved id), or as an HCPCS code names it; null when neither. */
  drug: string | null;
  /** The request named a drug no catalog entry matches. */
  drugUnknown: boolean;
  drugClasses: string[];
  routes: string[];
  /** Indication families in claim order (a given indication first), each with its lineage. */
  candidates: { family: string; lineage: string[] }[];
  /** Diagnoses in no value set (comorbidities). */
  unclassified: number;
  hcpcs: string[];
}

export const HCPCS_DRUG: Record<string, string> = {
  J2001: 'lidocaine',
  J2002: 'lidocaine',
  J2003: 'lidocaine',
  J2004: 'lidocaine',
  S0013: 'esketamine',
  J0013: 'esketamine',
};
export const CODE_ROUTES: Record<string, string[]> = {
  '96365': ['intravenous'],
  '96366': ['intravenous'],
  '96367': ['intravenous'],
  '96368': ['intravenous'],
  '96374': ['intravenous'],
  '96375': ['intravenous'],
  '96376': ['intravenous'],
  '96372': ['intramuscular', 'subcutaneous'],
  J2001: ['intravenous'],
  S0013: ['intranasal'],
  J0013: ['intranasal'],
};

export function mp446Facts(req: Record<string, unknown>, t: Terminology): Mp446Facts {
  return factsOf(
    {
      payer: req.payer as string,
      dateOfService: req.dateOfService as string,
      lineOfBusiness: req.lineOfBusiness as string | undefined,
      homePlan: req.homePlan as string | undefined,
      groupPolicy: req.groupPolicy === true,
      drug: typeof req.drug === 'string' ? req.drug.trim() : undefined,
      route: req.route as string | undefined,
      indication: req.indication as string | undefined,
      procedureCodes: ((req.procedureCodes as string[] | undefined) ?? []).map((c) =>
        c.trim().toUpperCase(),
      ),
      diagnosisCodes: ((req.diagnosisCodes as string[] | undefined) ?? []).map((c) =>
        c.trim().toUpperCase().replace('.', ''),
      ),
    },
    t,
  );
}

/**
 * The same facts from a request medpolicy's readers have already validated and normalized (the
 * screening benchmark gives every engine the same reader).
 */
export function mp446FactsFromNormalized(req: NormalizedRequest, t: Terminology): Mp446Facts {
  return factsOf(
    {
      payer: req.payer,
      dateOfService: req.dateOfService,
      lineOfBusiness: req.lineOfBusiness,
      homePlan: req.homePlan,
      groupPolicy: req.groupPolicy,
      drug: req.drug,
      route: req.route,
      indication: req.indication,
      procedureCodes: req.procedureCodes.map((p) => p.code),
      diagnosisCodes: req.diagnosisCodes,
    },
    t,
  );
}

interface Fields {
  payer: string;
  dateOfService: string;
  lineOfBusiness: string | undefined;
  homePlan: string | undefined;
  groupPolicy: boolean;
  /** Trimmed. */
  drug: string | undefined;
  route: string | undefined;
  indication: string | undefined;
  /** Uppercase. */
  procedureCodes: readonly string[];
  /** Uppercase, without the dot. */
  diagnosisCodes: readonly string[];
}

function factsOf(req: Fields, t: Terminology): Mp446Facts {
  const procedureCodes = req.procedureCodes;
  let drug: string | null = null;
  let drugUnknown = false;
  if (req.drug !== undefined) {
    const d = t.drugs.resolve(req.drug);
    if (d) drug = d.id;
    else drugUnknown = true;
  } else {
    const named = new Set(procedureCodes.map((c) => HCPCS_DRUG[c]).filter(Boolean));
    if (named.size === 1) drug = [...named][0]!;
  }
  const drugClasses = drug ? [...(t.drugs.drugs.get(drug)?.classes ?? [])] : [];
  let routes: string[];
  if (req.route !== undefined) routes = [req.route];
  else {
    routes = [];
    for (const c of procedureCodes)
      for (const r of CODE_ROUTES[c] ?? []) if (!routes.includes(r)) routes.push(r);
  }
  const candidates: Mp446Facts['candidates'] = [];
  let unclassified = 0;
  if (req.indication !== undefined)
    candidates.push({
      family: req.indication,
      lineage: [...t.indications.lineage(req.indication)],
    });
  for (const key of req.diagnosisCodes) {
    const m = t.indications.classify(key);
    if (m) candidates.push({ family: m.family, lineage: [...t.indications.lineage(m.family)] });
    else unclassified++;
  }
  return {
    dos: req.dateOfService,
    lineOfBusiness: req.lineOfBusiness ?? 'commercial',
    // An ITS member of another plan: a home plan that is the payer itself is its own member.
    homePlan: req.homePlan !== undefined && req.homePlan !== req.payer,
    groupPolicy: req.groupPolicy,
    drug,
    drugUnknown,
    drugClasses,
    routes,
    candidates,
    unclassified,
    hcpcs: procedureCodes.filter((c) => /^[A-V]\d{4}$/.test(c)),
  };
}

/** What each peer decides: the fields compared with medpolicy's Determination. */
export interface PeerDecision {
  outcome: string;
  basis: string | null;
  priorAuth: string;
  version: string | null;
  indication: string | null;
  missing: string[];
  /** HCPCS codes the policy lists that are not valid on the date of service. */
  codesNotEffective: string[];
}

/** A screening row of a peer's decision, with the fields of medpolicy's rows that it decides. */
export function rowOf(
  d: PeerDecision,
  sourceLine: number,
  claimId: unknown,
  claimLine: unknown,
  payer: string,
): string {
  const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));
  return `{"sourceLine":${sourceLine},"claimId":${JSON.stringify(claimId ?? null)},"claimLine":${JSON.stringify(claimLine ?? null)},"payer":${JSON.stringify(payer)},"outcome":"${d.outcome}","basis":${str(d.basis)},"priorAuth":"${d.priorAuth}","policy":"bcbsal-mp-446","policyVersion":${str(d.version)},"indication":${str(d.indication)},"missing":${JSON.stringify(d.missing)},"warnings":${JSON.stringify(d.codesNotEffective)}}\n`;
}

/** A screening row for a line the peer refuses. */
export function errorRowOf(sourceLine: number, path: string): string {
  return `{"sourceLine":${sourceLine},"error":{"code":"invalid-request","path":${JSON.stringify(path)}}}\n`;
}
