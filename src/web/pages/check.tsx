import { useEffect, useRef, useState } from 'preact/hooks';
import { drugs, families } from 'virtual:valuesets';
import { LINES_OF_BUSINESS, PLAN_TYPES, ROUTES, SETTINGS } from '../../model/vocabulary.js';
import { api, type CoverageRequest, type Recorded } from '../api.js';
import { CodePicker } from '../components/code-picker.js';
import { DeterminationView, ErrorBox } from '../components/determination-view.js';
import { FactQuestions, type Answer, type AskedQuestion } from '../components/fact-questions.js';
import { defaultRequest, Select } from '../components/fields.js';

const none = ['', '(not stated)'] as const;

export function CheckPage() {
  const [payers, setPayers] = useState<readonly string[]>([]);
  const [f, setF] = useState(() => ({
    payer: '',
    planType: '',
    indication: '',
    ...defaultRequest(),
  }));
  const [dx, setDx] = useState<string[]>([]);
  const [px, setPx] = useState<string[]>([]);
  const [result, setResult] = useState<Recorded | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  /** The request last decided from the form: answers are added to it, not to later edits. */
  const [decided, setDecided] = useState<CoverageRequest | undefined>();
  const [asked, setAsked] = useState<readonly AskedQuestion[]>([]);
  const [facts, setFacts] = useState<Readonly<Record<string, boolean>>>({});
  /** Only the latest of overlapping answers may show: an earlier reply arriving late is dropped. */
  const latest = useRef(0);

  useEffect(() => {
    api.policies().then(
      (p) => {
        setPayers(p.payers);
        setF((old) => ({ ...old, payer: old.payer || p.payers[0] || '' }));
      },
      (e) => setError(e),
    );
  }, []);

  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });

  /**
   * Decides `request` with `given` facts. A fresh request starts its questions over; an answer
   * keeps the ones already asked (a settled question is no longer in the answer) and adds any new.
   */
  async function decide(
    request: CoverageRequest,
    given: Readonly<Record<string, boolean>>,
    fresh: boolean,
  ) {
    const n = ++latest.current;
    setBusy(true);
    setError(undefined);
    try {
      const body = Object.keys(given).length > 0 ? { ...request, facts: given } : request;
      const d = await api.decide(body);
      if (n !== latest.current) return;
      setResult(d);
      setAsked((old) => {
        const kept = fresh ? [] : old;
        const added = (d.questions ?? [])
          .filter((q) => !kept.some((k) => k.question.fact === q.fact))
          .map((question) => ({ question, policyId: d.policy?.id, version: d.policy?.version }));
        return added.length > 0 ? [...kept, ...added] : kept;
      });
    } catch (err) {
      if (n !== latest.current) return;
      // A failed answer leaves the last determination and its questions in place.
      if (fresh) setResult(undefined);
      setError(err);
    } finally {
      if (n === latest.current) setBusy(false);
    }
  }

  function submit(e: Event) {
    e.preventDefault();
    const req: Record<string, unknown> = {
      payer: f.payer,
      lineOfBusiness: f.lineOfBusiness,
      dateOfService: f.dateOfService,
      setting: f.setting,
      drug: f.drug,
      route: f.route,
    };
    if (f.planType) req['planType'] = f.planType;
    if (f.indication) req['indication'] = f.indication;
    if (dx.length) req['diagnosisCodes'] = dx;
    if (px.length) req['procedureCodes'] = px;
    const request = req as unknown as CoverageRequest;
    setDecided(request);
    setFacts({});
    void decide(request, {}, true);
  }

  function answer(fact: string, value: Answer) {
    if (!decided) return;
    const next: Record<string, boolean> = { ...facts };
    if (value === 'unknown') delete next[fact];
    else next[fact] = value === 'yes';
    if (next[fact] === facts[fact]) return;
    setFacts(next);
    void decide(decided, next, false);
  }

  return (
    <section aria-labelledby="check-title">
      <h2 id="check-title">Check a request</h2>
      <form class="check-form" onSubmit={submit}>
        <fieldset>
          <legend>Member and service</legend>
          <Select
            label="Payer"
            value={f.payer}
            onChange={set('payer')}
            options={payers.map((p) => [p, p])}
          />
          <Select
            label="Product line"
            value={f.lineOfBusiness}
            onChange={set('lineOfBusiness')}
            options={LINES_OF_BUSINESS.map((r) => [r, r])}
          />
          <Select
            label="Plan type"
            value={f.planType}
            onChange={set('planType')}
            options={[none, ...PLAN_TYPES.map((r) => [r, r] as const)]}
          />
          <Select
            label="Setting"
            value={f.setting}
            onChange={set('setting')}
            options={SETTINGS.map((r) => [r, r])}
          />
          <label>
            Date of service
            <input
              type="date"
              required
              value={f.dateOfService}
              onInput={(e) => set('dateOfService')(e.currentTarget.value)}
            />
          </label>
          <Select
            label="Drug"
            value={f.drug}
            onChange={set('drug')}
            options={drugs.map((d) => [d.id, d.label])}
          />
          <Select
            label="Route"
            value={f.route}
            onChange={set('route')}
            options={ROUTES.map((r) => [r, r])}
          />
          <Select
            label="Indication (when no code states it)"
            value={f.indication}
            onChange={set('indication')}
            options={[none, ...families.map((x) => [x.id, x.label] as const)]}
          />
        </fieldset>
        <fieldset>
          <legend>Codes</legend>
          <CodePicker
            label="Diagnoses (ICD-10-CM)"
            systems={['icd10cm']}
            date={f.dateOfService}
            value={dx}
            onChange={setDx}
          />
          <CodePicker
            label="Procedures and drugs (HCPCS / CPT)"
            systems={['hcpcs', 'cpt']}
            date={f.dateOfService}
            value={px}
            onChange={setPx}
            hint="Type a HCPCS or CPT code, or words of a HCPCS description"
          />
        </fieldset>
        <button type="submit" disabled={busy || !f.payer}>
          {busy ? 'Deciding…' : 'Decide'}
        </button>
      </form>
      <div aria-live="polite">
        {error !== undefined && <ErrorBox error={error} />}
        {result && (
          <DeterminationView d={result}>
            {asked.length > 0 && <FactQuestions asked={asked} facts={facts} onAnswer={answer} />}
          </DeterminationView>
        )}
      </div>
    </section>
  );
}
