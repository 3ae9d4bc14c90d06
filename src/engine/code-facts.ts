import type { WarningV1 } from '../model/determination.js';
import type { Route } from '../model/vocabulary.js';
import { displayIcd10cm } from '../terminology/code-format.js';
import type { CodeSystem } from '../terminology/code-system.js';
import { codeValidities, type CodeValidity } from '../terminology/code-validity.js';
import { coveredDays, type CoveredDays } from './criteria/code-warnings.js';
import type { Drug } from '../terminology/drugs.js';
import {
  describeAmbiguity,
  type AmbiguousPlacement,
  type IndicationIndex,
} from '../terminology/indications.js';
import type { Terminology } from '../terminology/terminology.js';
import { deepFreeze } from '../model/deep-freeze.js';

// Everything the engine reads from one code, found by one lookup: its validity, and for a
// diagnosis its indication family (or why it has none), for a procedure code the drug and the
// routes it implies. Before, each came from its own table (code validity, value sets, code set,
// drug catalog): four to six string-keyed lookups per code and request. Worked out on a code's
// first use and kept, per terminology, bounded: past the bound a code's facts are worked out on
// each use, with the same result. The tables are per code, not per list of codes: a table of
// every list a claims feed holds is thousands of entries that stop fitting the CPU caches.
//
// The objects here are never edited but not frozen: V8 (Node 20) walks a frozen array about half
// as fast as a plain one. Only warnings, which go out in determinations, are frozen.

/** A diagnosis (or the request's indication) with the indication family it falls in. */
export interface Candidate {
  readonly family: string;
  /** The family's position in the value sets (familyIndexOf), or -1 for a family they lack. */
  readonly familyIndex: number;
  /** The diagnosis code it came from, or undefined for the request's `indication`. */
  readonly code: string | undefined;
  readonly entry: string | undefined;
  /** How messages name it: "G90.521 (crps)", or the family alone. */
  readonly described: string;
  /** The list of this candidate alone: most requests have one, and share it. */
  readonly alone: readonly Candidate[];
}

export interface DiagnosisFacts {
  readonly validity: CodeValidity;
  /** Undefined when no indication value set holds the code. */
  readonly candidate: Candidate | undefined;
  /** For a code left unplaced because the value sets divide its branch: the warning naming it. */
  readonly ambiguity: WarningV1 | undefined;
}

export interface ProcedureFacts {
  readonly code: string;
  readonly cs: CodeSystem;
  readonly validity: CodeValidity;
  /** The drug an HCPCS drug code names. */
  readonly drug: Drug | undefined;
  /** The routes the code implies. */
  readonly routes: readonly Route[] | undefined;
  /** For an HCPCS code that names no drug: the reason a request without a drug is given. */
  readonly noDrugText: string | undefined;
  /** The drug-inferred warning, when the drug is inferred from this code. */
  readonly drugInferred: WarningV1 | undefined;
  /** The route-inferred warning, when this code alone implies the route (one route). */
  readonly routeInferred: WarningV1 | undefined;
}

export interface CodeFacts {
  /** The dates the ICD-10-CM set speaks for, as numbers (the coverage check of every request). */
  readonly icd10cmCovered: CoveredDays;
  diagnosis(code: string): DiagnosisFacts;
  cpt(code: string): ProcedureFacts;
  hcpcs(code: string): ProcedureFacts;
  /** The candidate of an indication the request gives outright. */
  indication(family: string): Candidate;
}

const LIMIT = 100_000;
const byTerminology = new WeakMap<Terminology, CodeFacts>();
let last: { t: Terminology; facts: CodeFacts } | undefined;

/** The code facts of a terminology, each worked out on first use. */
export function codeFactsOf(t: Terminology): CodeFacts {
  if (last?.t === t) return last.facts;
  let facts = byTerminology.get(t);
  if (!facts) byTerminology.set(t, (facts = build(t)));
  last = { t, facts };
  return facts;
}

function build(t: Terminology): CodeFacts {
  const icd10cm = codeValidities(t.icd10cm);
  const diagnoses = new Map<string, DiagnosisFacts>();
  const indications = new Map<string, Candidate>();
  const families = familyIndexOf(t.indications);
  const procedures = (cs: CodeSystem) => {
    const validities = codeValidities(cs);
    const table = new Map<string, ProcedureFacts>();
    return (code: string): ProcedureFacts => {
      let p = table.get(code);
      if (!p) {
        const record = cs.get(code);
        const isHcpcs = cs.system === 'hcpcs';
        const drug = isHcpcs && record?.drug ? t.drugs.drugs.get(record.drug) : undefined;
        const routes = record?.routes;
        p = {
          code,
          cs,
          validity: validities.get(code),
          drug,
          routes,
          noDrugText:
            isHcpcs && record && !record.drug
              ? `${code} (${record.display}) names no drug; give the drug.`
              : undefined,
          drugInferred: drug
            ? deepFreeze({
                code: 'drug-inferred',
                message: `drug ${drug.id} inferred from HCPCS ${code}`,
                subject: code,
              })
            : undefined,
          routeInferred:
            routes?.length === 1
              ? deepFreeze({
                  code: 'route-inferred',
                  message: `route ${routes[0]} inferred from ${code}`,
                  subject: code,
                })
              : undefined,
        };
        if (table.size < LIMIT) table.set(code, p);
      }
      return p;
    };
  };
  return {
    icd10cmCovered: coveredDays(t.icd10cm),
    diagnosis(code) {
      let d = diagnoses.get(code);
      if (!d) {
        const m = t.indications.classify(code);
        const a = m ? undefined : t.indications.ambiguity(code);
        d = {
          validity: icd10cm.get(code),
          candidate: m
            ? candidate(
                m.family,
                families.get(m.family) ?? -1,
                code,
                m.entry,
                `${displayIcd10cm(code)} (${m.family})`,
              )
            : undefined,
          ambiguity: a ? ambiguityWarning(a) : undefined,
        };
        if (diagnoses.size < LIMIT) diagnoses.set(code, d);
      }
      return d;
    },
    cpt: procedures(t.cpt),
    hcpcs: procedures(t.hcpcs),
    indication(family) {
      let c = indications.get(family);
      if (!c) {
        c = candidate(family, families.get(family) ?? -1, undefined, undefined, family);
        if (indications.size < LIMIT) indications.set(family, c);
      }
      return c;
    },
  };
}

function candidate(
  family: string,
  familyIndex: number,
  code: string | undefined,
  entry: string | undefined,
  described: string,
): Candidate {
  const alone: Candidate[] = [];
  const c: Candidate = { family, familyIndex, code, entry, described, alone };
  alone.push(c);
  return c;
}

const familyIndexes = new WeakMap<IndicationIndex, ReadonlyMap<string, number>>();

/**
 * Each indication family's position in the value sets: the engine's per-version tables are
 * arrays by it (policy-plan.ts), read without hashing the family's name.
 */
export function familyIndexOf(indications: IndicationIndex): ReadonlyMap<string, number> {
  let m = familyIndexes.get(indications);
  if (!m) {
    m = new Map([...indications.families.keys()].map((f, i) => [f, i]));
    familyIndexes.set(indications, m);
  }
  return m;
}

// The placement is computed once per code (indications.ts), so its warning is too.
function ambiguityWarning(a: AmbiguousPlacement): WarningV1 {
  return deepFreeze({
    code: 'ambiguous-indication',
    message: describeAmbiguity(a),
    subject: displayIcd10cm(a.code),
  });
}
