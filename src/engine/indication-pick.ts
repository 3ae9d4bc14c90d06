import type { CompiledStatement, CompiledVersion, FamilyIndex } from '../model/compiled-policy.js';
import type { ReasonV1, WarningV1 } from '../model/determination.js';
import { displayIcd10cm } from '../terminology/code-format.js';
import type { Drug } from '../terminology/drugs.js';
import type { Candidate, DiagnosisList } from './code-lists.js';

// Step 4 of decide(): which diagnosis decides. The first whose indication family a statement
// (or an exclusion) of the version speaks to decides; later ones that would be decided
// differently are named in a warning. Under a known drug and one route the version's statements
// for each family are a precomputed table, and then the whole step depends only on that table
// and the list of diagnoses: its answer is worked out once per pair (scopePick) and shared.

/** The version's statements for each indication family, under one drug and route. */
export type FamilyTable = ReadonlyMap<string, readonly CompiledStatement[]>;

export interface IndicationPick {
  /** The diagnosis that decides, if any. */
  readonly decided: Candidate | undefined;
  /** The statements that speak to it (empty when an exclusion decides it). */
  readonly statements: readonly CompiledStatement[];
  /** The family's exclusions, when they decide it. */
  readonly excluded: FamilyIndex | undefined;
  /** Later diagnoses the version would decide differently, named (other-diagnosis-differs). */
  readonly others: readonly WarningV1[];
  /** When none decides: the scope:indication reasons (undefined otherwise). */
  readonly notAddressed: readonly ReasonV1[] | undefined;
}

const NO_STATEMENTS: readonly CompiledStatement[] = [];
const NO_WARNINGS: readonly WarningV1[] = [];

/** The scope of one (drug, route) in a version: its family table, and its index in the version. */
export interface ScopePlan {
  readonly familyTable: FamilyTable;
  readonly index: number;
}

/**
 * The pick under a known drug and one route: found once per list of diagnoses and kept in the
 * version's plan for the list (`picks`, by scope index), shared.
 */
export function scopePick(
  version: CompiledVersion,
  scope: ScopePlan,
  picks: (IndicationPick | undefined)[],
  diagnoses: DiagnosisList,
  drug: Drug,
): IndicationPick {
  let p = picks[scope.index];
  if (!p) {
    p = pickIndication(version, diagnoses, scope.familyTable, version.statements, drug);
    picks[scope.index] = p;
  }
  return p;
}

/**
 * The pick from statements filtered by drug and route (`inScope`) when no family table applies
 * (no drug, or several routes): made on each request.
 */
export function pickIndication(
  version: CompiledVersion,
  diagnoses: DiagnosisList,
  familyTable: FamilyTable | undefined,
  inScope: readonly CompiledStatement[],
  drug: Drug | undefined,
): IndicationPick {
  const candidates = diagnoses.candidates;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const idx = version.byFamily.get(c.family);
    if (!idx) continue;
    const statements = scopedStatements(idx, c.family, familyTable, inScope);
    if (statements.length > 0) {
      const others = otherDiagnosisWarnings(
        version,
        candidates,
        c,
        statements[0],
        familyTable,
        inScope,
      );
      return { decided: c, statements, excluded: undefined, others, notAddressed: undefined };
    }
    if (idx.exclusions.length > 0) {
      const others = otherDiagnosisWarnings(
        version,
        candidates,
        c,
        undefined,
        familyTable,
        inScope,
      );
      return {
        decided: c,
        statements: NO_STATEMENTS,
        excluded: idx,
        others,
        notAddressed: undefined,
      };
    }
  }
  const none = candidates.length === 0 && diagnoses.unclassified.length === 0;
  return {
    decided: undefined,
    statements: NO_STATEMENTS,
    excluded: undefined,
    others: NO_WARNINGS,
    notAddressed: none ? undefined : notAddressed(diagnoses, drug),
  };
}

/** The version's statements for a family that survived the drug and route filters. */
function scopedStatements(
  idx: FamilyIndex,
  family: string,
  familyTable: FamilyTable | undefined,
  inScope: readonly CompiledStatement[],
): readonly CompiledStatement[] {
  if (familyTable) return familyTable.get(family) ?? NO_STATEMENTS;
  return idx.statements.filter((s) => inScope.includes(s));
}

function notAddressed(diagnoses: DiagnosisList, drug: Drug | undefined): readonly ReasonV1[] {
  let asked = '';
  for (const c of diagnoses.candidates) asked = asked ? `${asked}, ${c.described}` : c.described;
  for (const code of diagnoses.unclassified)
    asked = asked ? `${asked}, ${displayIcd10cm(code)}` : displayIcd10cm(code);
  // Frozen, as every shared reasons list is: the screener keys its rows by frozen reasons.
  return Object.freeze([
    Object.freeze({
      text: `The policy does not speak to ${asked}${drug ? ` for ${drug.label.toLowerCase()}` : ''}.`,
      rule: 'scope:indication',
    }),
  ]);
}

/** Later diagnoses that this version would decide differently are named, never silently dropped. */
function otherDiagnosisWarnings(
  version: CompiledVersion,
  candidates: readonly Candidate[],
  chosen: Candidate,
  statement: CompiledStatement | undefined,
  familyTable: FamilyTable | undefined,
  inScope: readonly CompiledStatement[],
): readonly WarningV1[] {
  if (candidates.length < 2) return NO_WARNINGS;
  let out: WarningV1[] | undefined;
  for (const c of candidates) {
    if (c === chosen || c.family === chosen.family) continue;
    const idx = version.byFamily.get(c.family);
    if (!idx) continue;
    const other = scopedStatements(idx, c.family, familyTable, inScope)[0];
    // After an excluded first diagnosis (no statement), any later one a statement decides differs.
    const differs = other
      ? other.verdict !== statement?.verdict
      : statement !== undefined && idx.exclusions.length > 0;
    if (differs) {
      (out ??= []).push(
        Object.freeze({
          code: 'other-diagnosis-differs',
          message: `${c.described} would be decided ${other ? `as ${other.verdict}` : 'out of scope'}; the first applicable diagnosis, ${chosen.described}, decided`,
          subject: c.code ? displayIcd10cm(c.code) : c.family,
        }),
      );
    }
  }
  return out ?? NO_WARNINGS;
}
