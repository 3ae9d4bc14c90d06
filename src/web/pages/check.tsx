import { useEffect, useRef, useState } from 'preact/hooks';
import { drugs, families } from 'virtual:valuesets';
import { LINES_OF_BUSINESS, PLAN_TYPES, ROUTES, SETTINGS } from '../../model/vocabulary.js';
import { api, type AssertionRequest, type CoverageRequest, type Recorded } from '../api.js';
import { CodePicker } from '../components/code-picker.js';
import { DeterminationView, ErrorBox } from '../components/determination-view.js';
import { FactQuestions, type Answer, type AskedQuestion } from '../components/fact-questions.js';
import { defaultRequest, Select } from '../components/fields.js';
import type { Route } from '../router.js';

const none = ['', '(not stated)'] as const;

/** The questions a policy version asks for these facts, from its product rules. */
async function questionsOfPolicy(
  policyId: string,
  version: string,
  facts: readonly string[],
): Promise<AskedQuestion[]> {
  try {
    const detail = await api.policy(policyId);
    const rules = detail.versions.find((v) => v.id === version)?.productRules ?? [];
    const out: AskedQuestion[] = [];
    for (const f of rules.flatMap((r) => r.facts ?? [])) {
      if (facts.includes(f.fact) && !out.some((o) => o.question.fact === f.fact)) {
        out.push({ question: f.question, policyId, version });
      }
    }
    return out;
  } catch {
    // Without the policy the given facts still show, under "Facts given".
    return [];
  }
}

/**
 * `#/check?context=<coverage-assertion-id>` continues from a CRD answer: its stored request
 * (no member data) fills the form, any facts it gave become the answers, and it is decided.
 */
export function CheckPage(props: { route: Route }) {
  const context = props.route.params.get('context') ?? '';
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
  const [shown, setShown] = useState<readonly AskedQuestion[]>([]);
  const asked = useRef<readonly AskedQuestion[]>([]);
  const ask = (list: readonly AskedQuestion[]) => {
    asked.current = list;
    setShown(list);
  };
  const [facts, setFacts] = useState<Readonly<Record<string, boolean>>>({});
  /** Only the latest of overlapping answers may show: an earlier reply arriving late is dropped. */
  const latest = useRef(0);
  const [from, setFrom] = useState<AssertionRequest | undefined>();

  useEffect(() => {
    api.policies().then(
      (p) => {
        setPayers(p.payers);
        setF((old) => ({ ...old, payer: old.payer || p.payers[0] || '' }));
      },
      (e) => setError(e),
    );
  }, []);

  useEffect(() => {
    setFrom(undefined);
    if (!context) return;
    // Another CRD answer's request replaces what was shown: none of it belongs to this one.
    setResult(undefined);
    ask([]);
    let live = true;
    api.coverageAssertion(context).then(
      (a) => {
        if (!live) return;
        setFrom(a);
        if (!a.request) return;
        const { facts: given = {}, ...request } = a.request;
        setF((old) => ({
          ...old,
          payer: request.payer,
          lineOfBusiness: request.lineOfBusiness ?? 'commercial',
          planType: request.planType ?? '',
          setting: request.setting ?? old.setting,
          dateOfService: request.dateOfService,
          drug: request.drug?.toLowerCase() ?? old.drug,
          route: request.route ?? old.route,
          indication: request.indication ?? '',
        }));
        setDx([...(request.diagnosisCodes ?? [])]);
        setPx([...(request.procedureCodes ?? [])]);
        // The stored request is decided as it was, fields the form has no control for included.
        setDecided(request);
        setFacts(given);
        void decide(request, given, true);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [context]);

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
      const kept = fresh ? [] : asked.current;
      const added = (d.questions ?? [])
        .filter((q) => !kept.some((k) => k.question.fact === q.fact))
        .map((question) => ({ question, policyId: d.policy?.id, version: d.policy?.version }));
      ask([...kept, ...added]);
      // A fact the request gave before it was ever asked (a stored CRD request can hold one):
      // its question comes from the policy, so the answer can still be changed here.
      const unasked = Object.keys(d.facts ?? {}).filter(
        (fact) => !asked.current.some((k) => k.question.fact === fact),
      );
      if (unasked.length > 0 && d.policy) {
        const more = await questionsOfPolicy(d.policy.id, d.policy.version, unasked);
        if (n !== latest.current) return;
        ask([...asked.current, ...more]);
      }
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
      {from && (
        <p class="context-note">
          Continued from CRD answer <code>{from.assertionId}</code> ({from.hook}, {from.madeAt}):{' '}
          {from.request
            ? 'its request fills the form and is decided below.'
            : 'the order could not be read as a coverage request, so there is nothing to decide here.'}
        </p>
      )}
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
            {shown.length > 0 && <FactQuestions asked={shown} facts={facts} onAnswer={answer} />}
          </DeterminationView>
        )}
      </div>
    </section>
  );
}
