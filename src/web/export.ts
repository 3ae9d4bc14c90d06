// Exports of the compare matrix: CSV, and an SVG drawn from the data (not a screen grab), which
// a canvas turns into PNG.
import type { Recorded } from './api.js';
import { outcomePhrase, outcomeSign, priorAuthLabel } from './labels.js';

export interface MatrixRow {
  id: string;
  label: string;
  depth: number;
  group: string;
}

export interface Matrix {
  title: string;
  rows: MatrixRow[];
  payers: string[];
  cell: (row: string, payer: string) => Recorded | undefined;
}

const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function matrixCsv(m: Matrix): string {
  const head = [
    'group',
    'indication',
    'label',
    'payer',
    'outcome',
    'basis',
    'priorAuth',
    'policy',
    'version',
    'reason',
    'quote',
    'source',
  ];
  const lines = [head.join(',')];
  for (const r of m.rows) {
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
  const labelW = 300;
  const cellW = 190;
  const rowH = 40;
  const top = 70;
  const width = labelW + cellW * m.payers.length + 20;
  const height = top + rowH * m.rows.length + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="24" font-size="15" font-weight="bold">${esc(m.title)}</text>`,
  ];
  m.payers.forEach((p, i) => {
    out.push(
      `<text x="${labelW + i * cellW + 8}" y="${top - 10}" font-weight="bold">${esc(p)}</text>`,
    );
  });
  m.rows.forEach((r, j) => {
    const y = top + j * rowH;
    out.push(
      `<text x="${10 + r.depth * 12}" y="${y + 24}">${esc(r.label)}</text>`,
      `<line x1="10" x2="${width - 10}" y1="${y}" y2="${y}" stroke="#ccc"/>`,
    );
    m.payers.forEach((p, i) => {
      const d = m.cell(r.id, p);
      const x = labelW + i * cellW;
      if (!d) return;
      out.push(
        `<rect x="${x + 2}" y="${y + 3}" width="${cellW - 4}" height="${rowH - 6}" rx="4" fill="${FILL[d.outcome] ?? '#fff'}"/>`,
        `<text x="${x + 8}" y="${y + 18}">${esc(`${outcomeSign(d.outcome)} ${outcomePhrase(d)}`)}</text>`,
        `<text x="${x + 8}" y="${y + 32}" fill="#444">${esc(priorAuthLabel(d.priorAuth))}</text>`,
      );
    });
  });
  out.push('</svg>');
  return out.join('\n');
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
