import type { DeterminationV1 } from '../../model/determination.js';

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

/** One determination, with its reasons and warnings, as a person would read it. */
export function renderDetermination(d: DeterminationV1): string {
  const out = [
    table(
      ['payer', 'outcome', 'basis', 'prior auth', 'policy', 'indication'],
      [[d.payer, d.outcome, d.basis ?? '-', d.priorAuth, policyLabel(d), d.indication ?? '-']],
    ),
  ];
  if (d.referTo.length > 0) out.push(`refer to: ${d.referTo.join(', ')}`);
  if (d.missing.length > 0) out.push(`missing: ${d.missing.join(', ')}`);
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
