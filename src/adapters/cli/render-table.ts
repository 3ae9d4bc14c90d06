import type { DeterminationV1 } from '../../model/determination.js';
import { outOfScopeLabel, outOfScopeMeaning } from '../../model/out-of-scope-reason.js';

/** Left-aligned columns, for people reading a terminal. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function policyLabel(d: DeterminationV1): string {
  return d.policy ? `${d.policy.number ?? d.policy.id}@${d.policy.version}` : '-';
}

/** The outcome, and for out-of-scope which kind: "out-of-scope: refers elsewhere". */
export function outcomeCell(d: DeterminationV1): string {
  return d.outOfScopeReason ? `${d.outcome}: ${outOfScopeLabel(d.outOfScopeReason)}` : d.outcome;
}

/** What each kind of out-of-scope in these determinations means, one line each. */
export function outOfScopeLegend(ds: readonly DeterminationV1[]): string[] {
  const kinds = [...new Set(ds.map((d) => d.outOfScopeReason).filter((k) => k !== undefined))];
  return kinds.map((k) => `${outOfScopeLabel(k)}: ${outOfScopeMeaning(k)}`);
}

/** One determination, with its reasons and warnings, as a person would read it. */
export function renderDetermination(d: DeterminationV1): string {
  const out = [
    table(
      ['payer', 'outcome', 'basis', 'prior auth', 'policy', 'indication'],
      [[d.payer, outcomeCell(d), d.basis ?? '-', d.priorAuth, policyLabel(d), d.indication ?? '-']],
    ),
  ];
  for (const line of outOfScopeLegend([d])) out.push(`out of scope, ${line}`);
  if (d.referTo.length > 0) out.push(`refer to: ${d.referTo.join(', ')}`);
  if (d.missing.length > 0) out.push(`missing: ${d.missing.join(', ')}`);
  if (d.questions && d.questions.length > 0) {
    out.push('questions (answer with --answers FILE, or the request\'s "facts"):');
    for (const q of d.questions) {
      const c = q.reason.citation;
      out.push(`  - ${q.fact}: ${q.text}${c ? `\n    "${c.quote}" (${c.source})` : ''}`);
    }
  }
  if (d.facts) {
    const given = Object.entries(d.facts).map(([k, v]) => `${k} = ${v ? 'yes' : 'no'}`);
    out.push(`facts: ${given.join(', ')}`);
  }
  if (d.reasons.length > 0) {
    out.push('reasons:');
    for (const r of d.reasons)
      out.push(
        `  - ${r.text}${r.citation ? `\n    "${r.citation.quote}" (${r.citation.source})` : ''}`,
      );
  }
  if (d.warnings.length > 0) {
    out.push('warnings:');
    for (const w of d.warnings) out.push(`  - ${w.code}: ${w.message}`);
  }
  if (d.trace) {
    out.push('trace:');
    for (const t of d.trace) out.push(`  ${t.step.padEnd(11)} ${t.detail}`);
  }
  return out.join('\n');
}
