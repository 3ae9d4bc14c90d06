import type { WarningV1 } from '../model/determination.js';
import type { ProcedureCode } from '../model/normalized-request.js';
import type { Route } from '../model/vocabulary.js';
import { displayIcd10cm } from '../terminology/code-format.js';
import type { CodeSystem } from '../terminology/code-system.js';
import { codeValidities, type CodeValidity } from '../terminology/code-validity.js';
import type { Drug } from '../terminology/drugs.js';
import { describeAmbiguity, type AmbiguousPlacement } from '../terminology/indications.js';
import type { Terminology } from '../terminology/terminology.js';

// What the engine reads from a request's codes depends only on the codes and the terminology,
// and claims repeat the same few lists of them: each list (with the request's indication) is
// worked out once into one frozen object, found by one map step per code. A decision then reads
// every code's validity, indication family, drug and routes from it instead of looking each
// code up in the code sets, the value sets and the drug catalog (four to six string-keyed
// lookups per code). The lists live in a trie per terminology, bounded: past the bound a list
// is worked out on each use, with the same result.
//
// The lists and their arrays are never edited, but they are not frozen either: V8 (Node 20)
// walks a frozen array about half as fast as a plain one, and the engine walks these on every
// decision. Only the warnings, which go out in determinations, are frozen.

/** A diagnosis (or the request's indication) with the indication family it falls in. */
export interface Candidate {
  readonly family: string;
  /** The diagnosis code it came from, or undefined for the request's `indication`. */
  readonly code: string | undefined;
  readonly entry: string | undefined;
  /** How messages name it: "G90.521 (crps)", or the family alone. */
  readonly described: string;
}

/** The request's indication and diagnosis codes, in order, as the engine reads them. */
export interface DiagnosisList {
  /** The indication's candidate first (if given), then each classified code's. */
  readonly candidates: readonly Candidate[];
  /** The codes in no indication value set, in order. */
  readonly unclassified: readonly string[];
  /** Each diagnosis code's validity, in order (the indication is no code). */
  readonly validities: readonly CodeValidity[];
  /** The ambiguous-indication warnings of the unclassified codes, in order. */
  readonly ambiguities: readonly WarningV1[];
}

/** A procedure code with the code set that checks it. */
export interface CheckedCode {
  readonly cs: CodeSystem;
  readonly validity: CodeValidity;
}

/** The request's procedure codes, in order, as the engine reads them. */
export interface ProcedureList {
  readonly checks: readonly CheckedCode[];
  /** The drug the first HCPCS drug code names, and that code. */
  readonly codeDrug: Drug | undefined;
  readonly codeDrugCode: string | undefined;
  /** A later HCPCS code names another drug. */
  readonly drugAmbiguous: boolean;
  /** The routes the codes imply: the first implying code's, with any later code's added. */
  readonly implied: readonly Route[];
  /** The first code that implies a route. */
  readonly routeCode: string | undefined;
  /** The drug-inferred warning when the request names no drug (undefined if none is inferred). */
  readonly drugInferred: WarningV1 | undefined;
  /** The route-inferred warning when the request gives no route (undefined if none is implied). */
  readonly routeInferred: WarningV1 | undefined;
  /** The reason given when no drug is named or implied. */
  readonly noDrugText: string;
}

const LIMIT = 100_000;

interface Node<L> {
  list: L;
  next: Map<string, Node<L>> | undefined;
}

interface ProcedureNode {
  list: ProcedureList;
  /** By the next code: CPT and HCPCS apart (their forms never meet, but a key would not say so). */
  cpt: Map<string, ProcedureNode> | undefined;
  hcpcs: Map<string, ProcedureNode> | undefined;
}

interface Tables {
  readonly t: Terminology;
  readonly diagnosisRoots: Map<string | undefined, Node<DiagnosisList>>;
  readonly procedureRoot: ProcedureNode;
  nodes: number;
  readonly candidates: Map<string, Candidate | null>;
}

const tables = new WeakMap<Terminology, Tables>();
let last: Tables | undefined;

function tablesOf(t: Terminology): Tables {
  if (last?.t === t) return last;
  let tb = tables.get(t);
  if (!tb) {
    tb = {
      t,
      diagnosisRoots: new Map(),
      procedureRoot: { list: procedureListOf(t, []), cpt: undefined, hcpcs: undefined },
      nodes: 0,
      candidates: new Map(),
    };
    tables.set(t, tb);
  }
  return (last = tb);
}

/** The shared list of a request's indication and diagnosis codes (normalized, in order). */
export function diagnosisList(
  t: Terminology,
  indication: string | undefined,
  codes: readonly string[],
): DiagnosisList {
  const tb = tablesOf(t);
  let node: Node<DiagnosisList> | undefined = tb.diagnosisRoots.get(indication);
  if (!node) {
    node = { list: diagnosisListOf(tb, indication, []), next: undefined };
    if (tb.nodes < LIMIT) {
      tb.diagnosisRoots.set(indication, node);
      tb.nodes++;
    }
  }
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    let next: Node<DiagnosisList> | undefined = node.next?.get(code);
    if (!next) {
      next = { list: diagnosisListOf(tb, indication, codes.slice(0, i + 1)), next: undefined };
      if (tb.nodes < LIMIT) {
        (node.next ??= new Map()).set(code, next);
        tb.nodes++;
      }
    }
    node = next;
  }
  return node.list;
}

/** The shared list of a request's procedure codes (normalized, in order). */
export function procedureList(t: Terminology, codes: readonly ProcedureCode[]): ProcedureList {
  const tb = tablesOf(t);
  let node = tb.procedureRoot;
  for (let i = 0; i < codes.length; i++) {
    const pc = codes[i]!;
    const isCpt = pc.system === 'cpt';
    let next = (isCpt ? node.cpt : node.hcpcs)?.get(pc.code);
    if (!next) {
      next = { list: procedureListOf(t, codes.slice(0, i + 1)), cpt: undefined, hcpcs: undefined };
      if (tb.nodes < LIMIT) {
        if (isCpt) (node.cpt ??= new Map()).set(pc.code, next);
        else (node.hcpcs ??= new Map()).set(pc.code, next);
        tb.nodes++;
      }
    }
    node = next;
  }
  return node.list;
}

function diagnosisListOf(
  tb: Tables,
  indication: string | undefined,
  codes: readonly string[],
): DiagnosisList {
  const { t } = tb;
  const candidates: Candidate[] = [];
  const unclassified: string[] = [];
  const ambiguities: WarningV1[] = [];
  if (indication !== undefined)
    candidates.push({
      family: indication,
      code: undefined,
      entry: undefined,
      described: indication,
    });
  const icd10cm = codeValidities(t.icd10cm);
  for (const code of codes) {
    const c = candidateOf(tb, code);
    if (c) candidates.push(c);
    else {
      unclassified.push(code);
      const a = t.indications.ambiguity(code);
      if (a) ambiguities.push(ambiguityWarning(a));
    }
  }
  return {
    candidates,
    unclassified,
    validities: codes.map((code) => icd10cm.get(code)),
    ambiguities,
  };
}

// One candidate per code: the silences' warnings are found by it (decide.ts).
function candidateOf(tb: Tables, code: string): Candidate | undefined {
  let c = tb.candidates.get(code);
  if (c === undefined) {
    const m = tb.t.indications.classify(code);
    c = m
      ? {
          family: m.family,
          code,
          entry: m.entry,
          described: `${displayIcd10cm(code)} (${m.family})`,
        }
      : null;
    if (tb.candidates.size < LIMIT) tb.candidates.set(code, c);
  }
  return c ?? undefined;
}

function procedureListOf(t: Terminology, codes: readonly ProcedureCode[]): ProcedureList {
  const cpt = codeValidities(t.cpt);
  const hcpcs = codeValidities(t.hcpcs);
  const checks: CheckedCode[] = [];
  let codeDrug: Drug | undefined;
  let codeDrugCode: string | undefined;
  let drugAmbiguous = false;
  let implied: readonly Route[] = NO_ROUTES;
  let merged: Route[] | undefined;
  let routeCode: string | undefined;
  let noDrugText: string | undefined;
  for (const pc of codes) {
    const isCpt = pc.system === 'cpt';
    const cs = isCpt ? t.cpt : t.hcpcs;
    checks.push({ cs, validity: (isCpt ? cpt : hcpcs).get(pc.code) });
    const record = cs.get(pc.code);
    if (!isCpt) {
      const drug = record?.drug ? t.drugs.drugs.get(record.drug) : undefined;
      if (drug) {
        if (codeDrug && codeDrug !== drug) drugAmbiguous = true;
        else if (!codeDrug) {
          codeDrug = drug;
          codeDrugCode = pc.code;
        }
      }
      if (record && !record.drug)
        noDrugText ??= `${pc.code} (${record.display}) names no drug; give the drug.`;
    }
    const routes = record?.routes;
    if (!routes) continue;
    if (routeCode === undefined) {
      routeCode = pc.code;
      implied = routes;
      continue;
    }
    for (const r of routes) {
      if (implied.includes(r)) continue;
      merged ??= [...implied];
      merged.push(r);
      implied = merged;
    }
  }
  let routeInferred: WarningV1 | undefined;
  if (implied.length === 1) routeInferred = routeInferredWarning(implied[0]!, routeCode!);
  else if (implied.length > 1)
    routeInferred = Object.freeze({
      code: 'route-inferred',
      message: `route ${implied.join(' or ')} inferred from ${routeCode}`,
      subject: routeCode ?? 'procedureCodes',
    });
  return {
    checks,
    codeDrug,
    codeDrugCode,
    drugAmbiguous,
    implied,
    routeCode,
    drugInferred:
      codeDrug && !drugAmbiguous ? drugInferredWarning(codeDrug.id, codeDrugCode!) : undefined,
    routeInferred,
    noDrugText: noDrugText ?? 'The request names no drug, and no procedure code names one.',
  };
}

const NO_ROUTES: readonly Route[] = [];

// The placement is computed once per code (indications.ts), so its warning is too.
const ambiguityWarnings = new WeakMap<AmbiguousPlacement, WarningV1>();

function ambiguityWarning(a: AmbiguousPlacement): WarningV1 {
  let w = ambiguityWarnings.get(a);
  if (!w) {
    w = Object.freeze({
      code: 'ambiguous-indication',
      message: describeAmbiguity(a),
      subject: displayIcd10cm(a.code),
    });
    ambiguityWarnings.set(a, w);
  }
  return w;
}

// The two commonest warnings, one frozen object per drug or route and code, shared by every
// list that infers them.
type WarningCache = Map<string, WarningV1>;
const drugWarnings: WarningCache = new Map();
const routeWarnings: WarningCache = new Map();

const drugInferredWarning = (drug: string, code: string): WarningV1 =>
  shared(drugWarnings, `${drug} ${code}`, () => ({
    code: 'drug-inferred',
    message: `drug ${drug} inferred from HCPCS ${code}`,
    subject: code,
  }));
const routeInferredWarning = (route: string, code: string): WarningV1 =>
  shared(routeWarnings, `${route} ${code}`, () => ({
    code: 'route-inferred',
    message: `route ${route} inferred from ${code}`,
    subject: code,
  }));

function shared(cache: WarningCache, key: string, make: () => WarningV1): WarningV1 {
  let w = cache.get(key);
  if (!w) {
    w = Object.freeze(make());
    if (cache.size >= 4096) cache.clear();
    cache.set(key, w);
  }
  return w;
}
