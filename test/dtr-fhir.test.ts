// Every Questionnaire, QuestionnaireResponse, Parameters and Bundle the DTR adapter builds is
// valid R4 (medplum) and meets the DTR profiles (the project's checker, written from the FSH),
// on the real policies with questions quoted from the seeds (docs/design/dtr-19.md §E.2 item 5).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { packageRoot } from '../src/package-root.js';
import { indexSource, locateQuote } from '../src/policies/quote-locator.js';
import { loadContext, type DecisionContext } from '../src/service/load-context.js';
import {
  nextQuestionOutput,
  packageBundle,
  packageOutput,
  readNextQuestionInput,
  readPackageInput,
  warningOutcome,
} from '../src/adapters/dtr/parameters.js';
import {
  adaptiveQuestionnaire,
  adaptiveSearchQuestionnaire,
  questionnaireCanonical,
  standardQuestionnaire,
  type FormSource,
} from '../src/adapters/dtr/questionnaire.js';
import {
  completedResponse,
  completionAssertion,
  determinationText,
  draftResponse,
  nextResponse,
  readAnswers,
  type ReadAnswer,
} from '../src/adapters/dtr/questionnaire-response.js';
import { operationOutcome } from '../src/adapters/pas/operation-outcome.js';
import type { CrdVersion } from '../src/adapters/cdshooks/coverage-information.js';
import type { CompiledPolicy } from '../src/model/compiled-policy.js';
import { r4Errors, r4LoadMs } from './support/fhir-r4.js';
import {
  nextQuestionInputProblems,
  nextQuestionOutputProblems,
  packageBundleProblems,
  packageInputProblems,
  packageOutputProblems,
  questionnaireProblems,
  questionnaireResponseProblems,
} from './support/dtr-ig-conformance.js';
import {
  ALL_QUESTIONS,
  BCN65_QUESTION,
  FEP_QUESTION,
  GROUP_QUESTION,
  ITS_QUESTION,
} from './support/dtr-questions.js';
import { bcn65Determination, clientItems, formOf, REFS } from './support/dtr-fixtures.js';
import { claimResponseFixture } from './support/pas-claim-fixtures.js';

let ctx: DecisionContext;
let bcn: FormSource & { policy: CompiledPolicy };
let bcbsal: FormSource & { policy: CompiledPolicy };

before(() => {
  ctx = loadContext();
  bcn = formOf(ctx, 'bcbsm-bcn-iv-anesthetics', '2024-03') as typeof bcn;
  bcbsal = formOf(ctx, 'bcbsal-mp-446', '2024-11') as typeof bcbsal;
});

function valid(resource: unknown, ig: string[]): void {
  assert.deepEqual(r4Errors(resource), [], 'R4');
  assert.deepEqual(ig, [], 'DTR IG');
}

describe('the question fixtures quote the seeds', () => {
  it('at the lines they cite', () => {
    for (const q of ALL_QUESTIONS) {
      const c = q.reason.citation!;
      const path = c.source.replace(/#L\d+$/, '');
      const source = indexSource(path, readFileSync(`${packageRoot()}/${path}`, 'utf8'));
      assert.equal(locateQuote(source, c.quote), c.line, q.fact);
    }
  });

  it('BCN65 is seed 003 line 676, whitespace-normalized', () => {
    const seed = readFileSync(
      `${packageRoot()}/policies/sources/bcbsm-bcn-iv-anesthetics.txt`,
      'utf8',
    );
    const line = seed.split('\n')[675]!;
    assert.equal(
      line,
      'BCN65 (Medicare Complementary)\tCoinsurance covered if primary Medicare covers the service.',
    );
    assert.equal(line.replace(/\s+/g, ' '), BCN65_QUESTION.reason.citation!.quote);
  });
});

describe('generated Questionnaires', () => {
  it('loads the R4 definitions once for this file', (t) => {
    t.diagnostic(`R4 definitions indexed in ${r4LoadMs().toFixed(0)} ms`);
  });

  it('the package Questionnaire of every version of every policy', () => {
    let n = 0;
    for (const policy of ctx.policySet.policies)
      for (const version of policy.versions) {
        const q = adaptiveSearchQuestionnaire({
          policy,
          version,
          revision: ctx.policySet.revision,
          publicUrl: 'https://payer.example/',
        });
        valid(q, questionnaireProblems(q, 'adapt-search'));
        assert.equal(q.version, `${version.id}+r.${ctx.policySet.revision}`);
        n++;
      }
    assert.ok(n >= 25, `${n} versions`);
  });

  it('the contained adaptive Questionnaire, empty and with every question', () => {
    for (const questions of [[], [BCN65_QUESTION], [FEP_QUESTION, ITS_QUESTION, GROUP_QUESTION]]) {
      const q = adaptiveQuestionnaire(bcn, questions);
      valid(q, questionnaireProblems(q, 'adapt'));
    }
  });

  it('the standard forms of BCN 2024-03 and BCBSAL 2024-11', () => {
    const bcnForm = standardQuestionnaire(bcn, [
      { rule: BCN65_QUESTION.rule, questions: [BCN65_QUESTION] },
    ]);
    valid(bcnForm, questionnaireProblems(bcnForm, 'standard'));
    const alForm = standardQuestionnaire(bcbsal, [
      { rule: FEP_QUESTION.rule, questions: [FEP_QUESTION] },
      { rule: ITS_QUESTION.rule, questions: [ITS_QUESTION] },
      { rule: GROUP_QUESTION.rule, questions: [GROUP_QUESTION] },
    ]);
    valid(alForm, questionnaireProblems(alForm, 'standard'));
    // A rule with two facts, and one fact shared by two rules (no policy has either yet).
    const chained = standardQuestionnaire(bcbsal, [
      { rule: 'product:a', questions: [FEP_QUESTION, ITS_QUESTION] },
      { rule: 'product:b', questions: [FEP_QUESTION] },
    ]);
    valid(chained, questionnaireProblems(chained, 'standard'));
  });
});

describe('the BCN65 item', () => {
  it('asks in facts.yaml words, quotes seed line 676 and links to the quote', () => {
    const item = adaptiveQuestionnaire(bcn, [BCN65_QUESTION]).item![0]!;
    assert.deepEqual(
      {
        linkId: item.linkId,
        text: item.text,
        type: item.type,
        required: item.required,
        options: item.answerOption!.map((o) => ('valueCoding' in o ? o.valueCoding.code : '')),
        help: item.item!.map((h) => [h.linkId, h.type, h.text]),
        link: item.extension![0]!['valueUri'],
      },
      {
        linkId: 'primary-medicare-covered',
        text: 'Did primary Medicare cover this service for this member?',
        type: 'choice',
        required: true,
        options: ['Y', 'N', 'ASKU'],
        help: [
          [
            'primary-medicare-covered.help',
            'display',
            'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service. (policies/sources/bcbsm-bcn-iv-anesthetics.txt line 676)',
          ],
        ],
        link: 'https://payer.example/#/policies/bcbsm-bcn-iv-anesthetics?quote=BCN65+%28Medicare+Complementary%29+Coinsurance+covered+if+primary+Medicare+covers+the+service.&v=2024-03',
      },
    );
  });

  it('links to what the web UI reads back as the quote and version', () => {
    const link = String(
      adaptiveQuestionnaire(bcn, [BCN65_QUESTION]).item![0]!.extension![0]!['valueUri'],
    );
    // src/web/router.ts parseHash: "#/policies/<id>?<query>".
    const [path, query] = link.split('#/')[1]!.split('?', 2) as [string, string];
    const params = new URLSearchParams(query);
    assert.equal(path, 'policies/bcbsm-bcn-iv-anesthetics');
    assert.equal(params.get('quote'), BCN65_QUESTION.reason.citation!.quote);
    assert.equal(params.get('v'), '2024-03');
  });
});

describe('a DTR session, as resources', () => {
  const answers = (code: 'Y' | 'N' | 'ASKU'): ReadAnswer[] => {
    const r = readAnswers(
      {
        resourceType: 'QuestionnaireResponse',
        item: clientItems({ 'primary-medicare-covered': code }),
      },
      [BCN65_QUESTION],
    );
    assert.ok(r.ok);
    return r.answers;
  };

  it('the package: input, Bundle and output Parameters', () => {
    const input = {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'coverage',
          resource: {
            resourceType: 'Coverage',
            id: 'cov-1',
            status: 'active',
            beneficiary: { reference: 'Patient/pat-1' },
            payor: [{ display: 'Blue Care Network of Michigan' }],
          },
        },
        {
          name: 'order',
          resource: {
            resourceType: 'MedicationRequest',
            id: 'ket-1',
            status: 'draft',
            intent: 'order',
            subject: { reference: 'Patient/pat-1' },
            medicationCodeableConcept: { text: 'ketamine' },
          },
        },
        { name: 'context', valueString: 'ca-7f1c' },
      ],
    };
    valid(input, packageInputProblems(input));
    assert.ok(readPackageInput(input).ok);
    const bundle = packageBundle(
      adaptiveSearchQuestionnaire(bcn),
      draftResponse(bcn, REFS),
      `urn:uuid:${REFS.sessionId}`,
    );
    valid(bundle, packageBundleProblems(bundle));
    const draft = draftResponse(bcn, REFS);
    valid(draft, questionnaireResponseProblems(draft, { adaptive: true }));
    const out = packageOutput([bundle], warningOutcome(['parameter coverage occurred 2 times']));
    valid(out, packageOutputProblems(out));
    const none = packageOutput(
      [],
      operationOutcome(
        'informational',
        'No documentation is needed any longer: the order is not covered.',
        undefined,
        'information',
      ),
    );
    valid(none, packageOutputProblems(none));
  });

  it("$next-question: the client's input and the next items", () => {
    const asked = nextResponse(bcn, REFS, [BCN65_QUESTION], []);
    const out = nextQuestionOutput(asked);
    valid(out, nextQuestionOutputProblems(out));
    const answered = { ...asked, item: clientItems({ 'primary-medicare-covered': 'Y' }) };
    for (const name of ['questionnaire-response', 'in']) {
      const input = { resourceType: 'Parameters', parameter: [{ name, resource: answered }] };
      assert.equal(readNextQuestionInput(input).ok, true, name);
      if (name === 'questionnaire-response') valid(input, nextQuestionInputProblems(input));
    }
    const more = nextResponse(bcbsal, REFS, [FEP_QUESTION, GROUP_QUESTION], []);
    valid(nextQuestionOutput(more), nextQuestionOutputProblems(nextQuestionOutput(more)));
  });

  for (const [code, outcome] of [
    ['Y', 'covered'],
    ['N', 'not-covered'],
    ['ASKU', 'conditional'],
  ] as const)
    for (const crdVersion of ['2.2', '2.0'] as CrdVersion[])
      it(`completed: ${code} → ${outcome} (CRD ${crdVersion})`, () => {
        const d = bcn65Determination(bcn, outcome);
        const read = answers(code);
        const text = determinationText(d, 'Blue Care Network', [BCN65_QUESTION], read);
        const assertion = completionAssertion(
          d,
          {
            coverageReference: REFS.coverageReference,
            payerLabel: 'Blue Care Network',
            date: '2025-09-10',
            assertionId: 'ca-7f1c',
            requestHasSetting: true,
            requestHasProviderParticipating: true,
            bases: ctx.terminology.bases,
          },
          text,
        );
        const qr = completedResponse(bcn, REFS, [BCN65_QUESTION], read, {
          text,
          assertion,
          crdVersion,
        });
        const out = nextQuestionOutput(qr);
        valid(out, nextQuestionOutputProblems(out, crdVersion === '2.0' ? '2.0.1' : '2.2.1'));
        assert.equal(qr.status, 'completed');
        assert.equal(qr.contained[0].derivedFrom![0], questionnaireCanonical(bcn));
      });
});

describe('the PAS fixtures the checker is tested on', () => {
  it('are valid R4', () => {
    assert.deepEqual(r4Errors(claimResponseFixture()), []);
    // The R4 validator catches what §B.6 says the server once dropped.
    const { insurer: _, ...noInsurer } = claimResponseFixture();
    assert.match(r4Errors(noInsurer).join(), /ClaimResponse.insurer: Missing required property/);
  });
});
