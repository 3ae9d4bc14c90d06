import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadContext, type DecisionContext } from '../../service/load-context.js';
import {
  bcn65Determination,
  clientItems,
  formOf,
  manualOrigin,
  REFS,
} from '../../../test/support/dtr-fixtures.js';
import {
  BCN65_QUESTION,
  FEP_QUESTION,
  GROUP_QUESTION,
} from '../../../test/support/dtr-questions.js';
import type { FormSource } from './questionnaire.js';
import {
  completedResponse,
  completionAssertion,
  determinationText,
  draftResponse,
  nextResponse,
  readAnswers,
} from './questionnaire-response.js';

const qr = (item: unknown) => ({ resourceType: 'QuestionnaireResponse', item });
const ASKED = [FEP_QUESTION, GROUP_QUESTION];

describe('readAnswers', () => {
  it('reads Yes as true and No as false, in the order the items were asked', () => {
    const r = readAnswers(
      qr(clientItems({ 'group-policy-covers': 'N', 'fep-benefit-plan-covers': 'Y' })),
      ASKED,
    );
    assert.ok(r.ok);
    assert.deepEqual(r.facts, { 'fep-benefit-plan-covers': true, 'group-policy-covers': false });
    assert.deepEqual(r.unknown, []);
    assert.deepEqual(
      r.answers.map((a) => [a.linkId, a.code]),
      [
        ['fep-benefit-plan-covers', 'Y'],
        ['group-policy-covers', 'N'],
      ],
    );
    assert.deepEqual(r.warnings, []);
  });

  it('keeps Not known yet (ASKU) as unknown, not as false', () => {
    const r = readAnswers(qr(clientItems({ 'primary-medicare-covered': 'ASKU' })), [
      BCN65_QUESTION,
    ]);
    assert.ok(r.ok);
    assert.deepEqual(r.facts, {});
    assert.deepEqual(r.unknown, ['primary-medicare-covered']);
  });

  it('reads nothing asked, nothing answered, on the first call', () => {
    const r = readAnswers({ resourceType: 'QuestionnaireResponse' }, []);
    assert.ok(r.ok);
    assert.deepEqual(r.answers, []);
  });

  it('accepts the form’s own display items echoed back without answers', () => {
    const items = [
      ...clientItems({ 'primary-medicare-covered': 'Y' }),
      { linkId: 'primary-medicare-covered.help' },
      { linkId: 'determination', text: 'Covered' },
    ];
    assert.equal(readAnswers(qr(items), [BCN65_QUESTION]).ok, true);
  });

  const refused = (item: unknown, asked = [BCN65_QUESTION]) => {
    const r = readAnswers(qr(item), asked);
    assert.ok(!r.ok, 'refused');
    return r.problem;
  };

  it('refuses an item the session never asked (a tampered linkId), naming it', () => {
    const p = refused(clientItems({ 'home-plan-covers': 'Y' }));
    assert.equal(p.expression, 'QuestionnaireResponse.item[0].linkId');
    assert.match(p.message, /item home-plan-covers was not asked in this session/);
    assert.match(p.message, /primary-medicare-covered/);
  });

  it('refuses two answers to one item', () => {
    const [item] = clientItems({ 'primary-medicare-covered': 'Y' }) as [{ answer: unknown[] }];
    item.answer.push(...clientItems({ x: 'N' }).flatMap((i) => i['answer'] as unknown[]));
    const p = refused([item]);
    assert.equal(p.expression, 'QuestionnaireResponse.item[0].answer');
    assert.match(p.message, /primary-medicare-covered needs exactly one answer \(found 2\)/);
  });

  it('refuses the same item twice', () => {
    const items = clientItems({ 'primary-medicare-covered': 'Y' });
    const p = refused([...items, ...items]);
    assert.match(p.message, /occurs twice/);
  });

  it('refuses a code from another system, naming the options', () => {
    const p = refused([
      {
        linkId: 'primary-medicare-covered',
        answer: [{ valueCoding: { system: 'http://snomed.info/sct', code: 'Y' } }],
      },
    ]);
    assert.equal(p.expression, 'QuestionnaireResponse.item[0].answer[0]');
    assert.match(p.message, /must be a valueCoding of its answer options/);
    assert.match(p.message, /v2-0136\|Y/);
  });

  it('refuses a boolean answer to a choice item', () => {
    const p = refused([{ linkId: 'primary-medicare-covered', answer: [{ valueBoolean: true }] }]);
    assert.match(p.message, /valueCoding/);
  });

  it('refuses an asked item left unanswered (required)', () => {
    const p = refused(clientItems({ 'fep-benefit-plan-covers': 'Y' }), ASKED);
    assert.match(p.message, /item group-policy-covers is required and has no answer/);
  });

  it('refuses an answer to a display item', () => {
    const p = refused([{ linkId: 'determination', answer: [{ valueString: 'x' }] }]);
    assert.match(p.message, /display item and takes no answer/);
  });

  it('refuses what is not a QuestionnaireResponse', () => {
    assert.equal(readAnswers({ resourceType: 'Parameters' }, []).ok, false);
    assert.equal(readAnswers(qr({ linkId: 'x' }), []).ok, false);
  });

  it('warns, without refusing, when an answer lacks its information-origin or breaks dtrx-1', () => {
    const bare = [
      {
        linkId: 'primary-medicare-covered',
        answer: [
          { valueCoding: { system: 'http://terminology.hl7.org/CodeSystem/v2-0136', code: 'Y' } },
        ],
      },
    ];
    const r = readAnswers(qr(bare), [BCN65_QUESTION]);
    assert.ok(r.ok);
    assert.match(r.warnings.join(), /no information-origin/);
    const noAuthor = manualOrigin();
    (noAuthor['extension'] as unknown[]).splice(1, 1);
    const r2 = readAnswers(
      qr([{ ...bare[0], answer: [{ ...bare[0]!.answer[0], extension: [noAuthor] }] }]),
      [BCN65_QUESTION],
    );
    assert.ok(r2.ok);
    assert.match(r2.warnings.join(), /manual needs an author \(dtrx-1\)/);
  });
});

describe('the session QR', () => {
  let ctx: DecisionContext;
  let bcn: FormSource;
  before(() => {
    ctx = loadContext();
    bcn = formOf(ctx, 'bcbsm-bcn-iv-anesthetics', '2024-03');
  });

  it('the draft asks nothing yet and carries the session’s context', () => {
    const d = draftResponse(bcn, REFS);
    assert.equal(d.item, undefined);
    assert.equal(d.contained[0].item, undefined);
    assert.deepEqual(d.identifier, {
      system: 'https://payer.example/fhir/dtr-session',
      value: REFS.sessionId,
    });
    assert.deepEqual(
      d.extension.map((e) => e.url.split('/').pop()),
      ['qr-coverage', 'qr-context', 'intendedUse'],
    );
    assert.equal(d.status, 'in-progress');
  });

  it('the next QR keeps the earlier items first and unchanged, and echoes the answers', () => {
    const first = nextResponse(bcn, REFS, [FEP_QUESTION], []);
    const r = readAnswers(qr(clientItems({ 'fep-benefit-plan-covers': 'ASKU' })), [FEP_QUESTION]);
    assert.ok(r.ok);
    const second = nextResponse(bcn, REFS, [FEP_QUESTION, GROUP_QUESTION], r.answers);
    assert.deepEqual(second.contained[0].item![0], first.contained[0].item![0]);
    assert.equal(second.contained[0].item![1]!.linkId, 'group-policy-covers');
    assert.deepEqual(second.item, [
      {
        linkId: 'fep-benefit-plan-covers',
        text: FEP_QUESTION.text,
        answer: [
          {
            valueCoding: {
              system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor',
              code: 'ASKU',
              display: 'Not known yet',
            },
            extension: [manualOrigin()],
          },
        ],
      },
    ]);
  });

  it('the completed QR states the decision twice and carries CRD’s assertion id', () => {
    const r = readAnswers(qr(clientItems({ 'primary-medicare-covered': 'Y' })), [BCN65_QUESTION]);
    assert.ok(r.ok);
    const d = bcn65Determination(bcn as Parameters<typeof bcn65Determination>[0], 'covered');
    const text = determinationText(d, 'Blue Care Network', [BCN65_QUESTION], r.answers);
    assert.equal(
      text,
      'Covered: primary Medicare covered the service, under Blue Care Network policy “Intravenous Anesthetics for the Treatment of Chronic Pain and Psychiatric Disorders” (version 2024-03). The policy states: “BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.”',
    );
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
    const done = completedResponse(bcn, REFS, [BCN65_QUESTION], r.answers, {
      text,
      assertion,
      crdVersion: '2.2',
    });
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.contained[0].item!.at(-1), {
      linkId: 'determination',
      text,
      type: 'display',
    });
    assert.deepEqual(done.item!.at(-1), { linkId: 'determination', text });
    const ci = done.extension.at(-1)!;
    const sub = (url: string) =>
      (ci['extension'] as { url: string; [k: string]: unknown }[]).filter((e) => e.url === url);
    assert.equal(sub('coverage-assertion-id')[0]!['valueString'], 'ca-7f1c');
    assert.equal(sub('covered')[0]!['valueCode'], 'covered');
    assert.equal(sub('pa-needed')[0]!['valueCode'], 'no-auth');
    assert.deepEqual(sub('reason')[0]!['valueCodeableConcept'], { text });
  });

  it('ASKU leaves the decision conditional, and says what is not known', () => {
    const r = readAnswers(qr(clientItems({ 'primary-medicare-covered': 'ASKU' })), [
      BCN65_QUESTION,
    ]);
    assert.ok(r.ok);
    const d = bcn65Determination(bcn as Parameters<typeof bcn65Determination>[0], 'conditional');
    assert.match(
      determinationText(d, 'Blue Care Network', [BCN65_QUESTION], r.answers),
      /^Still conditional: not known: Did primary Medicare cover this service for this member\?, under /,
    );
  });
});
