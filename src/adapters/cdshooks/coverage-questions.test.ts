// CRD when coverage turns on a fact (issue #19, docs/design/dtr-19.md §B.5, §D.6): the
// coverage-information names the DTR questionnaire that asks it, and a questions card links to the
// Check page. Checked by the server's own invariants and by the independent IG checker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRequest } from '../../service/decide-request.js';
import { loadContext } from '../../service/load-context.js';
import { orderSignCall } from '../../../test/support/crd-orders.js';
import {
  coverageInformationProblems,
  crdResponseProblems,
} from '../../../test/support/crd-ig-conformance.js';
import { bcn65Determination, formOf, PUBLIC_URL } from '../../../test/support/dtr-fixtures.js';
import { questionnaireCanonical } from '../dtr/questionnaire.js';
import {
  assertionFromDetermination,
  buildCoverageInformation,
  checkCoverageInformation,
  COVERAGE_INFORMATION_URL,
  CRD_VERSIONS,
  type CrdVersion,
} from './coverage-information.js';
import { handleHook, type HookDeps } from './handle-hook.js';

const ctx = loadContext({});
type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const IG = { '2.0': '2.0.1', '2.2': '2.2.1' } as const;
const BCN65_LINE_676 =
  'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.';

function deps(extra: Partial<HookDeps> = {}): HookDeps {
  let n = 0;
  return {
    ctx,
    now: () => new Date('2025-09-10T15:00:00Z'),
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    policyUrl: (id) => `${PUBLIC_URL}/#/policies/${id}`,
    publicUrl: PUBLIC_URL,
    fetchFhir: async () => ({ ok: false, message: 'no EHR in this test' }),
    ...extra,
  };
}

/** What CRD knows besides the determination, for a payer's BCN65-style order. */
function assertionInputs(payerLabel: string) {
  return {
    coverageReference: 'Coverage/cov-1',
    payerLabel,
    date: '2025-09-15',
    assertionId: 'a-1',
    requestHasSetting: true,
    requestHasProviderParticipating: true,
    bases: ctx.terminology.bases,
    publicUrl: PUBLIC_URL,
  };
}

function extOf(resource: J): J {
  return (resource['extension'] as J[]).find((e) => e['url'] === COVERAGE_INFORMATION_URL)!;
}

function subs(ext: J): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const e of ext['extension'] as J[]) {
    const k = Object.keys(e).find((x) => x.startsWith('value'));
    (out[e['url']] ??= []).push(k ? e[k] : e);
  }
  return out;
}

async function call(
  o: { payerName: string; planName: string },
  version: CrdVersion,
  hook = 'order-sign',
  extra: Partial<HookDeps> = {},
): Promise<J> {
  const body = orderSignCall({ ...o, requestedVersion: version }) as J;
  if (hook === 'order-select') {
    body['hook'] = 'order-select';
    body['context']['selections'] = ['MedicationRequest/mr-1'];
  }
  const res = await handleHook(`medpolicy-${hook}`, body, deps(extra));
  assert.equal(res.status, 200);
  return res.body as J;
}

const BCN65 = { payerName: 'Blue Care Network', planName: 'BCN65 Medicare Complementary' };
const FEP = {
  payerName: 'Blue Cross and Blue Shield of Alabama',
  planName: 'Federal Employee Program',
};

describe('CRD names the questionnaire when coverage turns on a fact', () => {
  for (const version of CRD_VERSIONS)
    it(`BCN65 order-sign (CRD ${version}): conditional, no-auth, doc-needed admin, withclaim, info-needed OTH, the DTR canonical (seed 003 line 676)`, async () => {
      const body = await call(BCN65, version);
      const ext = extOf(body.systemActions[0].resource);
      const s = subs(ext);
      assert.deepEqual(s['covered'], ['conditional']);
      assert.deepEqual(s['pa-needed'], ['no-auth']);
      assert.deepEqual(s['doc-needed'], ['admin']);
      // BCN65 requires no prior authorization, so the answers support the claim (D.5-5).
      assert.deepEqual(s['doc-purpose'], ['withclaim']);
      // OTH is in 2.0.1's informationNeeded value set too (D.5-7).
      assert.deepEqual(s['info-needed'], ['OTH']);
      const form = formOf(ctx, 'bcbsm-bcn-iv-anesthetics', '2024-03');
      assert.deepEqual(s['questionnaire'], [questionnaireCanonical(form)]);
      assert.equal(
        s['questionnaire']![0],
        `${PUBLIC_URL}/fhir/Questionnaire/bcbsm-bcn-iv-anesthetics|2024-03+r.${ctx.policySet.revision}`,
      );
      const reason = (s['reason']![0] as J)['text'] as string;
      assert.match(
        reason,
        /^Conditional: coverage follows primary Medicare’s decision \(Blue Care Network of Michigan policy/,
      );
      assert.match(reason, /\. Needed: Did primary Medicare cover this service for this member\?$/);
      assert.deepEqual(checkCoverageInformation(ext, version), []);
      assert.deepEqual(coverageInformationProblems(ext, IG[version]), []);
      assert.deepEqual(crdResponseProblems(body, IG[version]), []);
    });

  for (const version of CRD_VERSIONS)
    it(`BCBSAL FEP order-sign (CRD ${version}): the FEP question, withclaim (seed 002 line 95)`, async () => {
      const body = await call(FEP, version);
      const ext = extOf(body.systemActions[0].resource);
      const s = subs(ext);
      assert.deepEqual(s['covered'], ['conditional']);
      assert.deepEqual(s['pa-needed'], ['no-auth']);
      assert.deepEqual(s['doc-purpose'], ['withclaim']);
      assert.match(String(s['questionnaire']![0]), /\/fhir\/Questionnaire\/bcbsal-mp-446\|/);
      assert.match((s['reason']![0] as J)['text'], /Needed: Does the member's FEP benefit plan/);
      assert.deepEqual(coverageInformationProblems(ext, IG[version]), []);
      assert.deepEqual(crdResponseProblems(body, IG[version]), []);
    });

  for (const version of CRD_VERSIONS)
    it(`order-select (CRD ${version}) never asks for documentation (hook-19); 2.2 still says OTH`, async () => {
      const body = await call(BCN65, version, 'order-select');
      const s = subs(extOf(body.systemActions[0].resource));
      assert.deepEqual(s['covered'], ['conditional']);
      assert.equal(s['doc-needed'], undefined);
      assert.equal(s['doc-purpose'], undefined);
      assert.equal(s['questionnaire'], undefined);
      assert.deepEqual(s['info-needed'], ['OTH']);
      assert.deepEqual(crdResponseProblems(body, IG[version]), []);
    });

  it('a server without a public URL names no questionnaire and sends no questions card', async () => {
    const { publicUrl: _omitted, ...without } = deps();
    const res = await handleHook(
      'medpolicy-order-sign',
      orderSignCall({ ...BCN65, requestedVersion: '2.2' }),
      without,
    );
    const body = res.body as J;
    const s = subs(extOf(body.systemActions[0].resource));
    assert.equal(s['doc-needed'], undefined);
    assert.equal(s['questionnaire'], undefined);
    assert.deepEqual(s['info-needed'], ['OTH']);
    assert.equal(
      body.cards.some((c: J) => /question/.test(c.summary)),
      false,
    );
  });

  it('a conditional answer whose prior authorization is sought gathers the answers withpa', () => {
    const form = formOf(ctx, 'bcbsm-bcn-iv-anesthetics', '2024-03');
    const policy = ctx.policySet.policies.find((p) => p.id === 'bcbsm-bcn-iv-anesthetics')!;
    const d = {
      ...bcn65Determination({ ...form, policy }, 'conditional'),
      priorAuth: 'required' as const,
    };
    const a = assertionFromDetermination(d, assertionInputs('Blue Care Network of Michigan'));
    for (const version of CRD_VERSIONS) {
      const ext = buildCoverageInformation(a, version);
      const s = subs(ext);
      assert.deepEqual(s['pa-needed'], ['auth-needed']);
      assert.deepEqual(s['doc-purpose'], ['withpa']);
      assert.deepEqual(coverageInformationProblems(ext, IG[version]), []);
    }
  });

  it('a fact-decided covered answer is covered with pa-needed from the policy, and asks nothing', () => {
    const r = decideRequest(
      {
        payer: 'bcn',
        lineOfBusiness: 'medicare-supplement',
        drug: 'ketamine',
        route: 'intravenous',
        dateOfService: '2025-09-15',
        diagnosisCodes: ['G90.521'],
        facts: { 'primary-medicare-covered': true },
      },
      ctx,
    );
    assert.ok(r.ok);
    assert.equal(r.determination.outcome, 'covered');
    const a = assertionFromDetermination(
      r.determination,
      assertionInputs('Blue Care Network of Michigan'),
    );
    for (const version of CRD_VERSIONS) {
      const ext = buildCoverageInformation(a, version);
      const s = subs(ext);
      assert.deepEqual(s['covered'], ['covered']);
      assert.deepEqual(s['pa-needed'], ['no-auth']);
      assert.equal(s['doc-needed'], undefined);
      assert.equal(s['questionnaire'], undefined);
      assert.equal(s['info-needed'], undefined);
      assert.deepEqual(coverageInformationProblems(ext, IG[version]), []);
    }
  });

  it('Medica Medicare Cost, non-participating provider: not covered by statement 2.1, no questionnaire (seed 004 line 54)', () => {
    const r = decideRequest(
      {
        payer: 'medica',
        lineOfBusiness: 'medicare-cost',
        providerParticipating: false,
        drug: 'ketamine',
        route: 'intravenous',
        dateOfService: '2025-09-15',
        diagnosisCodes: ['G90.521'],
      },
      ctx,
    );
    assert.ok(r.ok);
    const a = assertionFromDetermination(r.determination, assertionInputs('Medica'));
    for (const version of CRD_VERSIONS) {
      const s = subs(buildCoverageInformation(a, version));
      assert.deepEqual(s['covered'], ['not-covered']);
      assert.equal(s['pa-needed'], undefined);
      assert.equal(s['questionnaire'], undefined);
    }
    assert.match(
      r.determination.reasons[0]!.citation!.quote,
      /^2\.1 IV Ketamine is considered not covered/,
    );
  });
});

describe('the questions card', () => {
  for (const version of CRD_VERSIONS)
    it(`BCN65 (CRD ${version}): one question with its quote, one absolute link to the Check page for this assertion`, async () => {
      const body = await call(BCN65, version);
      const id = subs(extOf(body.systemActions[0].resource))['coverage-assertion-id']![0];
      const card = body.cards.find((c: J) => /question/.test(c.summary)) as J;
      assert.ok(card, 'no questions card');
      assert.equal(
        card['summary'],
        'Blue Care Network of Michigan: 1 question decides coverage of intravenous ketamine',
      );
      assert.ok(card['summary'].length < 140);
      assert.match(card['detail'], /- Did primary Medicare cover this service for this member\?/);
      assert.ok(card['detail'].includes(`> ${BCN65_LINE_676}`), card['detail']);
      assert.deepEqual(
        card['links'].map((l: J) => [l['type'], l['url']]),
        [['absolute', `${PUBLIC_URL}/#/check?context=${String(id)}`]],
      );
      assert.equal(card['suggestions'], undefined);
      assert.deepEqual(crdResponseProblems(body, IG[version]), []);
    });

  it('is offered under coverage-info: configured off, it is not sent', async () => {
    const o = orderSignCall({ ...BCN65, requestedVersion: '2.2' }) as J;
    o['extension'] = { ...o['extension'], 'davinci-crd.configuration': { 'coverage-info': false } };
    const body = (await handleHook('medpolicy-order-sign', o, deps())).body as J;
    assert.equal(
      body.cards.some((c: J) => /question/.test(c.summary)),
      false,
    );
  });

  it('no question, no card: a not-covered answer has none', async () => {
    const body = await call(
      { payerName: 'Blue Cross and Blue Shield of Alabama', planName: 'Blue Advantage' },
      '2.2',
    );
    assert.equal(
      body.cards.some((c: J) => /question/.test(c.summary)),
      false,
    );
  });
});
