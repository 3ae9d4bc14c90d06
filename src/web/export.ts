// Exports of the compare matrix: CSV, and an SVG drawn from the data (not a screen grab), which
// a canvas turns into PNG.
import type { Recorded } from './api.js';
import {
  basisLabel,
  OUTCOME_LABEL,
  outcomeLabel,
  outcomeSign,
  outOfScopeLabel,
  priorAuthLabel,
} from './labels.js';

export interface MatrixRow {
  id: string;
  label: string;
  depth: number;
  group: string;
}

export interface Matrix {
  title: string;
  groups: { id: string; label: string }[];
  rows: MatrixRow[];
  payers: readonly string[];
  cell: (row: string, payer: string) => Recorded | undefined;
}

/** Rows in the order the page shows them: group by group. */
const ordered = (m: Matrix): MatrixRow[] =>
  m.groups.flatMap((g) => m.rows.filter((r) => r.group === g.id));

const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function matrixCsv(m: Matrix): string {
  const head = [
    'group',
    'indication',
    'label',
    'payer',
    'outcome',
    'basis',
    'outOfScopeReason',
    'priorAuth',
    'policy',
    'version',
    'reason',
    'quote',
    'source',
  ];
  const lines = [head.join(',')];
  for (const r of ordered(m)) {
    for (const p of m.payers) {
      const d = m.cell(r.id, p);
      const first = d?.reasons[0];
      lines.push(
        [
          r.group,
          r.id,
          r.label,
          p,
          d?.outcome ?? '',
          d?.basis ?? '',
          d?.outOfScopeReason ?? '',
          d?.priorAuth ?? '',
          d?.policy?.id ?? '',
          d?.policy?.version ?? '',
          first?.text ?? '',
          first?.citation?.quote ?? '',
          first?.citation?.source ?? '',
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}

const FILL: Record<string, string> = {
  covered: '#d7f0dc',
  'not-covered': '#f8d7d5',
  conditional: '#fbeccb',
  'out-of-scope': '#e8e8ec',
  'needs-info': '#dde7f8',
};

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function matrixSvg(m: Matrix): string {
  const labelW = 400;
  const cellW = 200;
  const rowH = 50;
  const groupH = 26;
  const top = 70;
  const width = labelW + cellW * m.payers.length + 20;
  const body: string[] = [];
  let y = top;
  for (const g of m.groups) {
    const rows = m.rows.filter((r) => r.group === g.id);
    if (rows.length === 0) continue;
    body.push(
      `<rect x="10" y="${y}" width="${width - 20}" height="${groupH}" fill="#eef0f3"/>`,
      `<text x="14" y="${y + 18}" font-weight="bold">${esc(g.label)}</text>`,
    );
    y += groupH;
    for (const r of rows) {
      body.push(
        `<line x1="10" x2="${width - 10}" y1="${y}" y2="${y}" stroke="#ccc"/>`,
        `<text x="${14 + r.depth * 12}" y="${y + 20}">${esc(r.label)}</text>`,
        `<text x="${14 + r.depth * 12}" y="${y + 36}" fill="#666" font-size="10">${esc(r.id)}</text>`,
      );
      m.payers.forEach((p, i) => {
        const d = m.cell(r.id, p);
        if (!d) return;
        const x = labelW + i * cellW;
        body.push(
          `<rect x="${x + 2}" y="${y + 3}" width="${cellW - 4}" height="${rowH - 6}" rx="4" fill="${FILL[d.outcome] ?? '#fff'}"/>`,
          `<text x="${x + 8}" y="${y + 17}" font-weight="bold">${esc(`${outcomeSign(d.outcome)} ${outcomeLabel(d.outcome)}`)}</text>`,
          `<text x="${x + 8}" y="${y + 30}">${esc(basisLabel(d.basis) || outOfScopeLabel(d.outOfScopeReason))}</text>`,
          `<text x="${x + 8}" y="${y + 43}" fill="#444">${esc(priorAuthLabel(d.priorAuth))}</text>`,
        );
      });
      y += rowH;
    }
  }
  const legend = Object.entries(OUTCOME_LABEL)
    .map(([k, v]) => `${outcomeSign(k)} ${v}`)
    .join(' · ');
  const height = y + 50;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="24" font-size="15" font-weight="bold">${esc(m.title)}</text>`,
    ...m.payers.map(
      (p, i) =>
        `<text x="${labelW + i * cellW + 8}" y="${top - 10}" font-weight="bold">${esc(p)}</text>`,
    ),
    ...body,
    `<text x="10" y="${y + 30}" fill="#444">${esc(legend)} · PA: prior authorization</text>`,
    '</svg>',
  ].join('\n');
}

export function download(name: string, type: string, data: Blob | string): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Rasterize the SVG on a canvas (a data: image, which the page's CSP allows). */
export async function svgToPng(svg: string): Promise<Blob> {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  canvas.getContext('2d')!.drawImage(img, 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG export failed'))), 'image/png'),
  );
}
