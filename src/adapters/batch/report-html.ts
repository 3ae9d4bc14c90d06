import { outOfScopeLabel, outOfScopeMeaning } from '../../model/out-of-scope-reason.js';
import type { ScreenSummaryV1 } from './summary.js';

// A self-contained HTML report of a screening run: the summary's numbers as tables and inline
// SVG bar charts. No script, no external asset; every text is escaped.

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const COLORS: Record<string, string> = {
  covered: '#2e7d32',
  'not-covered': '#c62828',
  conditional: '#f9a825',
  'out-of-scope': '#78909c',
  'needs-info': '#1565c0',
  error: '#6a1b9a',
};

function barChart(title: string, data: Record<string, number>): string {
  const entries = Object.entries(data).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '';
  const max = Math.max(...entries.map(([, n]) => n));
  const rowH = 22;
  const labelW = 230;
  const barW = 420;
  const h = entries.length * rowH + 10;
  const bars = entries
    .map(([k, n], i) => {
      const w = max > 0 ? Math.max(1, Math.round((n / max) * barW)) : 0;
      const y = i * rowH + 5;
      return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(k)}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 6}" fill="${COLORS[k] ?? '#546e7a'}"><title>${esc(k)}: ${n}</title></rect><text x="${labelW + w + 6}" y="${y + 15}">${n.toLocaleString('en-US')}</text>`;
    })
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" width="${labelW + barW + 110}" height="${h}" font-size="12" font-family="sans-serif">${bars}</svg></figure>`;
}

function stackedPayers(s: ScreenSummaryV1): string {
  const payers = Object.entries(s.byPayer).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (payers.length === 0) return '';
  const rowH = 26;
  const labelW = 120;
  const barW = 560;
  const rows = payers
    .map(([payer, p], i) => {
      let x = labelW;
      const y = i * rowH + 5;
      const parts = Object.entries(p.outcomes)
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([o, n]) => {
          const w = p.lines > 0 ? (n / p.lines) * barW : 0;
          const r = `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[o] ?? '#546e7a'}"><title>${esc(payer)} ${esc(o)}: ${n}</title></rect>`;
          x += w;
          return r;
        })
        .join('');
      return `<text x="${labelW - 6}" y="${y + 17}" text-anchor="end">${esc(payer)}</text>${parts}<text x="${labelW + barW + 6}" y="${y + 17}">${p.lines.toLocaleString('en-US')}</text>`;
    })
    .join('');
  const legend = Object.keys(COLORS)
    .map((o) => `<span><i style="background:${COLORS[o]}"></i>${esc(o)}</span>`)
    .join(' ');
  return `<figure><figcaption>Outcomes by payer (share of lines)</figcaption><svg role="img" aria-label="Outcomes by payer" width="${labelW + barW + 90}" height="${payers.length * rowH + 10}" font-size="12" font-family="sans-serif">${rows}</svg><p class="legend">${legend}</p></figure>`;
}

function table(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c) => (typeof c === 'number' ? `<td class="n">${c.toLocaleString('en-US')}</td>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

export function renderReport(s: ScreenSummaryV1 & { run?: unknown }): string {
  const outcomes: Record<string, number> = { ...s.byOutcome };
  if (s.errors > 0) outcomes.error = s.errors;
  const policies = Object.entries(s.byPolicy).map(([p, v]) => [
    p,
    Object.entries(v.versions)
      .map(([ver, n]) => `${ver}: ${n.toLocaleString('en-US')}`)
      .join(', '),
    v.lines,
  ]);
  // Out of scope is several different non-answers; the report names each in words.
  const kinds = Object.entries(s.byOutOfScopeReason ?? {}).sort((a, b) => b[1] - a[1]);
  const byKind = Object.fromEntries(kinds.map(([k, n]) => [outOfScopeLabel(k), n]));
  const kindTable = kinds.map(([k, n]) => [outOfScopeLabel(k), outOfScopeMeaning(k), n]);
  const reasons = s.topReasons.map((r) => [r.policy ?? '', r.rule ?? '', r.text ?? '', r.count]);
  const changes = s.changes
    ? `<h2>Changes between versions</h2><p>${s.changes.changed.toLocaleString('en-US')} lines change, ${s.changes.unchanged.toLocaleString('en-US')} do not.</p>${barChart('Transitions', s.changes.byTransition)}${barChart('Changed lines by payer', s.changes.byPayer)}`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>medpolicy screening report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1000px}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
.legend span{margin-right:1em}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.kpi{display:flex;gap:2rem}.kpi div{font-size:1.6rem}.kpi small{display:block;font-size:.8rem;color:#666}
</style></head><body>
<h1>Claim screening report</h1>
<div class="kpi"><div>${s.lines.toLocaleString('en-US')}<small>lines</small></div><div>${s.decided.toLocaleString('en-US')}<small>decided</small></div><div>${s.errors.toLocaleString('en-US')}<small>error rows</small></div></div>
${s.run ? `<p><small>${esc(JSON.stringify(s.run))}</small></p>` : ''}
${changes}
${barChart('Lines by outcome', outcomes)}
${stackedPayers(s)}
${barChart('Not covered / conditional: by basis', s.byBasis)}
${kinds.length > 0 ? `<h2>Out of scope, by kind</h2>${barChart('Out of scope: by kind', byKind)}${table(['kind', 'what it means', 'lines'], kindTable)}` : ''}
${barChart('Prior authorization', s.byPriorAuth)}
<h2>Policies and versions</h2>
${table(['policy', 'versions (lines)', 'lines'], policies)}
<h2>Top reasons</h2>
${table(['policy', 'deciding rule', 'reason', 'lines'], reasons)}
${Object.keys(s.errorsByCode).length > 0 ? `<h2>Errors</h2>${table(['code', 'lines'], Object.entries(s.errorsByCode))}` : ''}
</body></html>
`;
}
