import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { drugs, families, type IndicationFamily } from 'virtual:valuesets';
import { LINES_OF_BUSINESS, ROUTES, SETTINGS } from '../../model/vocabulary.js';
import { api, type CompareRequest, type Recorded } from '../api.js';
import { DeterminationView, ErrorBox, OutcomeBadge } from '../components/determination-view.js';
import { defaultRequest, Select } from '../components/fields.js';
import {
  download,
  matrixCsv,
  matrixSvg,
  svgToPng,
  type Matrix,
  type MatrixRow,
} from '../export.js';
import {
  outcomeLabel,
  OUTCOME_LABEL,
  outcomeSign,
  outOfScopeLabel,
  OUT_OF_SCOPE_WORDS,
} from '../labels.js';

const GROUPS: { id: string; label: string; root?: string }[] = [
  { id: 'pain', label: 'Chronic pain', root: 'chronic-pain' },
  { id: 'mental-health', label: 'Mental health and substance use', root: 'mental-health' },
  { id: 'other', label: 'Other and excluded uses' },
];

/** The value sets' families in file order, grouped under their top ancestor, with depth. */
function matrixRows(list: IndicationFamily[]): MatrixRow[] {
  const byId = new Map(list.map((f) => [f.id, f]));
  const ancestry = (f: IndicationFamily): string[] => {
    const out: string[] = [];
    for (let p = f.parent; p; p = byId.get(p)?.parent) out.push(p);
    return out;
  };
  return list.map((f) => {
    const up = ancestry(f);
    const top = up[up.length - 1] ?? f.id;
    const group = GROUPS.find((g) => g.root === top)?.id ?? 'other';
    return { id: f.id, label: f.label, depth: group === 'other' ? 0 : up.length, group };
  });
}

type Form = ReturnType<typeof defaultRequest>;

/**
 * The last matrix decided in this page session: coming back to Compare shows it again instead of
 * asking (and recording) every row anew. Only the Compare button asks: each row is a decision the
 * service records, so merely opening the page decides nothing.
 */
let last: { form: Form; results: Map<string, Recorded[]> } | undefined;

export function ComparePage() {
  const rows = useMemo(() => matrixRows(families), []);
  const [payers, setPayers] = useState<readonly string[]>([]);
  const [form, setForm] = useState<Form>(() => last?.form ?? defaultRequest());
  const [asked, setAsked] = useState<Form | undefined>(last?.form);
  const [results, setResults] = useState<Map<string, Recorded[]>>(() => last?.results ?? new Map());
  const [errors, setErrors] = useState<Map<string, unknown>>(new Map());
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<{ row: string; payer: string } | undefined>();
  const dialog = useRef<HTMLDialogElement>(null);
  // The cell that opened the reasons gets focus back when they close.
  const opener = useRef<HTMLElement | null>(null);
  const run = useRef(0);

  async function compare(f: Form) {
    const mine = ++run.current;
    setBusy(true);
    setSelected(undefined);
    setAsked(f);
    const res = new Map<string, Recorded[]>();
    const errs = new Map<string, unknown>();
    setResults(res);
    setErrors(errs);
    const queue = [...rows];
    const worker = async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const req = { ...f, indication: r.id } as CompareRequest;
        try {
          res.set(r.id, await api.compare(req));
        } catch (e) {
          errs.set(r.id, e);
        }
        if (mine !== run.current) return;
        setResults(new Map(res));
        setErrors(new Map(errs));
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    if (mine !== run.current) return;
    setBusy(false);
    if (errs.size === 0) last = { form: f, results: res };
  }

  useEffect(() => {
    api.policies().then(
      (p) => setPayers(p.payers),
      (e) => setErrors(new Map([['', e]])),
    );
  }, []);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (selected && !d.open) d.showModal();
    if (!selected && d.open) d.close();
  }, [selected]);

  const cell = (row: string, payer: string) => results.get(row)?.find((d) => d.payer === payer);
  const title = asked
    ? `${asked.drug}, ${asked.route}, ${asked.lineOfBusiness}, ${asked.setting}, date of service ${asked.dateOfService}`
    : '';
  const matrix: Matrix = { title, groups: GROUPS, rows, payers, cell };
  const chosen = selected && cell(selected.row, selected.payer);
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });

  return (
    <section aria-labelledby="compare-title">
      <h2 id="compare-title">Compare payers</h2>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault();
          void compare(form);
        }}
      >
        <Select
          label="Drug"
          value={form.drug}
          onChange={set('drug')}
          options={drugs.map((d) => [d.id, d.label])}
        />
        <Select
          label="Route"
          value={form.route}
          onChange={set('route')}
          options={ROUTES.map((r) => [r, r])}
        />
        <Select
          label="Product line"
          value={form.lineOfBusiness}
          onChange={set('lineOfBusiness')}
          options={LINES_OF_BUSINESS.map((r) => [r, r])}
        />
        <Select
          label="Setting"
          value={form.setting}
          onChange={set('setting')}
          options={SETTINGS.map((r) => [r, r])}
        />
        <label>
          Date of service
          <input
            type="date"
            required
            value={form.dateOfService}
            onInput={(e) => set('dateOfService')(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Compare</button>
      </form>
      <div class="toolbar">
        <p aria-live="polite" class="muted">
          {busy
            ? `Deciding… ${results.size} of ${rows.length} indications`
            : asked
              ? `${title}.`
              : 'Nothing compared yet.'}
        </p>
        <button
          type="button"
          disabled={busy || !asked}
          onClick={() => download('compare.csv', 'text/csv', matrixCsv(matrix))}
        >
          Export CSV
        </button>
        <button
          type="button"
          disabled={busy || !asked}
          onClick={() => download('compare.svg', 'image/svg+xml', matrixSvg(matrix))}
        >
          Export SVG
        </button>
        <button
          type="button"
          disabled={busy || !asked}
          onClick={() =>
            svgToPng(matrixSvg(matrix)).then((b) => download('compare.png', 'image/png', b))
          }
        >
          Export PNG
        </button>
      </div>
      {errors.get('') !== undefined && <ErrorBox error={errors.get('')} />}
      {!asked && (
        <p class="muted">
          Choose the drug, route, product line, setting and date of service, then press Compare:
          every indication is decided for every payer, and each decision is recorded in the audit
          log.
        </p>
      )}
      {asked && <Legend />}
      <div class="matrix-wrap" tabIndex={-1} hidden={!asked}>
        <table class="matrix" onKeyDown={moveInGrid}>
          <caption class="visually-hidden">
            Coverage by indication and payer: {title}. Each cell is a button that opens its reasons.
          </caption>
          <thead>
            <tr>
              <th scope="col">Indication</th>
              {payers.map((p) => (
                <th scope="col" key={p}>
                  {p}
                </th>
              ))}
            </tr>
          </thead>
          {GROUPS.map((g) => (
            <tbody key={g.id}>
              <tr class="group">
                <th scope="colgroup" colSpan={payers.length + 1}>
                  {g.label}
                </th>
              </tr>
              {rows
                .filter((r) => r.group === g.id)
                .map((r) => (
                  <tr key={r.id}>
                    <th scope="row" style={{ paddingLeft: `${0.5 + r.depth * 0.9}rem` }}>
                      {r.label}
                      <span class="muted small"> {r.id}</span>
                    </th>
                    {payers.map((p) => {
                      const d = cell(r.id, p);
                      const err = errors.get(r.id);
                      const isSel = selected?.row === r.id && selected.payer === p;
                      return (
                        <td key={p} class={d ? `cell outcome-${d.outcome}` : 'cell'}>
                          {d ? (
                            <button
                              type="button"
                              class="cell-button"
                              data-row={r.id}
                              data-col={p}
                              aria-pressed={isSel}
                              aria-label={`${r.label}, ${p}: ${cellText(d)}. Show reasons`}
                              onClick={(e) => {
                                opener.current = e.currentTarget;
                                setSelected({ row: r.id, payer: p });
                              }}
                            >
                              <OutcomeBadge d={d} />
                            </button>
                          ) : err ? (
                            <span class="muted">error</span>
                          ) : (
                            <span class="muted">…</span>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
            </tbody>
          ))}
        </table>
      </div>
      {[...errors.entries()]
        .filter(([k]) => k !== '')
        .slice(0, 1)
        .map(([k, e]) => (
          <div key={k}>
            <p>Row {k} failed:</p>
            <ErrorBox error={e} />
          </div>
        ))}
      {/* A modal dialog: the matrix stays where it was, Escape closes, focus returns to the cell. */}
      <dialog
        ref={dialog}
        class="detail"
        aria-labelledby="detail-title"
        onClose={() => {
          setSelected(undefined);
          opener.current?.focus();
        }}
      >
        {chosen && selected && (
          <>
            <h2 id="detail-title">
              {rows.find((r) => r.id === selected.row)?.label} × {selected.payer}
            </h2>
            <button type="button" class="close" onClick={() => dialog.current?.close()}>
              Close
            </button>
            <DeterminationView d={chosen} />
          </>
        )}
      </dialog>
    </section>
  );
}

/** Arrow keys move between the matrix's cells (Tab still walks them in order). */
function moveInGrid(e: KeyboardEvent) {
  const moves: Record<string, [number, number]> = {
    ArrowUp: [-1, 0],
    ArrowDown: [1, 0],
    ArrowLeft: [0, -1],
    ArrowRight: [0, 1],
  };
  const move = moves[e.key];
  const from = e.target as HTMLElement;
  if (!move || !from.classList.contains('cell-button')) return;
  const table = e.currentTarget as HTMLTableElement;
  const rows = [
    ...new Set(
      [...table.querySelectorAll<HTMLElement>('.cell-button')].map((b) => b.dataset['row']),
    ),
  ];
  const cols = [
    ...new Set(
      [...table.querySelectorAll<HTMLElement>('.cell-button')].map((b) => b.dataset['col']),
    ),
  ];
  const r = rows.indexOf(from.dataset['row']) + move[0];
  const c = cols.indexOf(from.dataset['col']) + move[1];
  const to = table.querySelector<HTMLElement>(
    `.cell-button[data-row="${rows[r] ?? ''}"][data-col="${cols[c] ?? ''}"]`,
  );
  if (to) {
    e.preventDefault();
    to.focus();
  }
}

function cellText(d: Recorded): string {
  const why = d.basis ?? outOfScopeLabel(d.outOfScopeReason);
  return `${outcomeLabel(d.outcome)}${why ? ` (${why})` : ''}, prior authorization ${d.priorAuth}`;
}

/** The outcomes' signs, and what each kind of out-of-scope means: the cells name the kind. */
function Legend() {
  return (
    <div class="legend-wrap">
      <ul class="legend" aria-label="Legend">
        {Object.entries(OUTCOME_LABEL).map(([k, v]) => (
          <li key={k} class={`outcome-${k}`}>
            <span aria-hidden="true">{outcomeSign(k)}</span> {v}
          </li>
        ))}
      </ul>
      <dl class="legend-kinds" aria-label="Out of scope, by kind">
        {Object.entries(OUT_OF_SCOPE_WORDS).map(([k, w]) => (
          <div key={k} data-kind={k}>
            <dt>
              <span aria-hidden="true">{outcomeSign('out-of-scope')}</span> {w.label}
            </dt>
            <dd>{w.meaning}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
