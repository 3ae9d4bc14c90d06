// Peer implementations, for comparison only: BCBSAL MP-446 hand-encoded in two generic rule
// engines the way a team without medpolicy would write it. This file is the host glue both
// peers share: it turns a CoverageRequest line into the flat facts a rules engine consumes.
//
// What is terminology here (code formats, the HCPCS drug and route codes, the drug catalog's
// anesthetic class, ICD-10-CM to indication family) is looked up from small literal tables or
// from medpolicy's own value sets, exactly as such a team would import a value set; what is
// policy (versions, products, scope, indications, exclusions, verdicts, code dates) is in the
// peers' rules.
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

const HCPCS_DRUG: Record<string, string> = {
  J2001: 'lidocaine',
  J2002: 'lidocaine',
  J2003: 'lidocaine',
  J2004: 'lidocaine',
  S0013: 'esketamine',
  J0013: 'esketamine',
};
const CODE_ROUTES: Record<string, string[]> = {
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
  const procedureCodes = ((req.procedureCodes as string[] | undefined) ?? []).map((c) =>
    c.trim().toUpperCase(),
  );
  let drug: string | null = null;
  let drugUnknown = false;
  if (typeof req.drug === 'string') {
    const d = t.drugs.resolve(req.drug.trim());
    if (d) drug = d.id;
    else drugUnknown = true;
  } else {
    const named = new Set(procedureCodes.map((c) => HCPCS_DRUG[c]).filter(Boolean));
    if (named.size === 1) drug = [...named][0]!;
  }
  const drugClasses = drug ? [...(t.drugs.drugs.get(drug)?.classes ?? [])] : [];
  let routes: string[];
  if (typeof req.route === 'string') routes = [req.route];
  else {
    routes = [];
    for (const c of procedureCodes)
      for (const r of CODE_ROUTES[c] ?? []) if (!routes.includes(r)) routes.push(r);
  }
  const candidates: Mp446Facts['candidates'] = [];
  let unclassified = 0;
  if (typeof req.indication === 'string')
    candidates.push({
      family: req.indication,
      lineage: [...t.indications.lineage(req.indication)],
    });
  for (const raw of (req.diagnosisCodes as string[] | undefined) ?? []) {
    const m = t.indications.classify(raw.trim().toUpperCase().replace('.', ''));
    if (m) candidates.push({ family: m.family, lineage: [...t.indications.lineage(m.family)] });
    else unclassified++;
  }
  return {
    dos: req.dateOfService as string,
    lineOfBusiness: (req.lineOfBusiness as string | undefined) ?? 'commercial',
    // An ITS member of another plan: a home plan that is the payer itself is its own member.
    homePlan: typeof req.homePlan === 'string' && req.homePlan !== req.payer,
    groupPolicy: req.groupPolicy === true,
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

export function rowOf(d: PeerDecision): string {
  return `{"outcome":"${d.outcome}","basis":${d.basis ? `"${d.basis}"` : null},"priorAuth":"${d.priorAuth}","version":${d.version ? `"${d.version}"` : null},"indication":${d.indication ? JSON.stringify(d.indication) : null}}\n`;
}
