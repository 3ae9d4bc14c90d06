import type { CompiledStatement } from '../../model/compiled-policy.js';

/** A statement reaches a drug by naming it or one of its classes ("anesthetics (e.g., ...)"). */
export function statementCoversDrug(
  s: CompiledStatement,
  drugId: string,
  classes: readonly string[],
): boolean {
  if (s.drugNames?.has(drugId)) return true;
  if (s.drugClasses) for (const c of classes) if (s.drugClasses.has(c)) return true;
  return false;
}
