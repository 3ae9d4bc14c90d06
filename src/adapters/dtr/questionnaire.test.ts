import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BCN65_QUESTION,
  FEP_QUESTION,
  GROUP_QUESTION,
  ITS_QUESTION,
} from '../../../test/support/dtr-questions.js';
import {
  adaptiveQuestionnaire,
  adaptiveSearchQuestionnaire,
  policyQuoteUrl,
  questionnaireCanonical,
  standardQuestionnaire,
  type FormSource,
} from './questionnaire.js';

const src: FormSource = {
  policy: { id: 'bcbsal-mp-446', publisher: 'Blue Cross and Blue Shield of Alabama' },
  version: {
    id: '2023-12',
    title: 'Ketamine (MP-446)',
    effectiveFrom: '2023-12-01',
    effectiveTo: '2024-10-31',
  },
  revision: '7eea45f8121b7114',
  publicUrl: 'https://payer.example/',
};

describe('Questionnaire identity', () => {
  it('is the policy’s canonical, versioned by policy version and policy-set revision', () => {
    const q = adaptiveSearchQuestionnaire(src);
    assert.equal(q.url, 'https://payer.example/fhir/Questionnaire/bcbsal-mp-446');
    assert.equal(q.version, '2023-12+r.7eea45f8121b7114');
    assert.equal(q.name, 'BcbsalMp446');
    assert.deepEqual(q.effectivePeriod, { start: '2023-12-01', end: '2024-10-31' });
    assert.equal(q.item, undefined);
    assert.equal(
      questionnaireCanonical(src),
      'https://payer.example/fhir/Questionnaire/bcbsal-mp-446|2023-12+r.7eea45f8121b7114',
    );
    const other = adaptiveSearchQuestionnaire({ ...src, revision: 'aaaaaaaaaaaaaaaa' });
    assert.notEqual(other.version, q.version, 'edited policy data is a new form version');
  });

  it('the contained form derives from that canonical', () => {
    const q = adaptiveQuestionnaire(src, [FEP_QUESTION]);
    assert.equal(q.id, 'q');
    assert.deepEqual(q.derivedFrom, [questionnaireCanonical(src)]);
    assert.equal(q.url, undefined);
  });

  it('links to the policy page as the web UI’s quoteHref does', () => {
    assert.equal(
      policyQuoteUrl(
        'https://payer.example/',
        'bcbsal-mp-446',
        '2023-12',
        'ITS: Home Policy provisions apply',
      ),
      'https://payer.example/#/policies/bcbsal-mp-446?quote=ITS%3A+Home+Policy+provisions+apply&v=2023-12',
    );
  });

  it('the help of a BCBSAL item keeps the seed’s ’', () => {
    const help = adaptiveQuestionnaire(src, [FEP_QUESTION]).item![0]!.item![0]!;
    assert.equal(
      help.text,
      'FEP: Special benefit consideration may apply. Refer to member’s benefit plan. (policies/sources/bcbsal-mp-446.txt line 95)',
    );
  });
});

describe('standardQuestionnaire', () => {
  it('enables each fact by the product rule that asks it', () => {
    const q = standardQuestionnaire(src, [
      { rule: FEP_QUESTION.rule, questions: [FEP_QUESTION] },
      { rule: GROUP_QUESTION.rule, questions: [GROUP_QUESTION] },
    ]);
    assert.equal(q.url, 'https://payer.example/fhir/Questionnaire/bcbsal-mp-446-form');
    const [product, fep, group] = q.item!;
    assert.deepEqual(product, {
      linkId: 'product',
      text: 'The member’s product, as the payer’s policy names it (filled in by the payer)',
      type: 'choice',
      readOnly: true,
      answerOption: [{ valueString: 'product:fep' }, { valueString: 'product:group-specific' }],
    });
    assert.deepEqual(fep!.enableWhen, [
      { question: 'product', operator: '=', answerString: 'product:fep' },
    ]);
    assert.equal(fep!.enableBehavior, undefined);
    assert.deepEqual(group!.enableWhen, [
      { question: 'product', operator: '=', answerString: 'product:group-specific' },
    ]);
    // Same builder as the adaptive form: same words, help and options.
    const { enableWhen: _, ...asked } = fep!;
    assert.deepEqual(asked, adaptiveQuestionnaire(src, [FEP_QUESTION]).item![0]);
  });

  it('asks a later fact of a rule only when the earlier one is not known', () => {
    const q = standardQuestionnaire(src, [
      { rule: 'product:x', questions: [FEP_QUESTION, ITS_QUESTION] },
    ]);
    const its = q.item!.find((i) => i.linkId === ITS_QUESTION.fact)!;
    assert.equal(its.enableBehavior, 'all');
    assert.deepEqual(its.enableWhen, [
      { question: 'product', operator: '=', answerString: 'product:x' },
      {
        question: FEP_QUESTION.fact,
        operator: '=',
        answerCoding: {
          system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor',
          code: 'ASKU',
          display: 'Not known yet',
        },
      },
    ]);
  });

  it('asks a fact two rules share once, enabled by either', () => {
    const q = standardQuestionnaire(src, [
      { rule: 'product:a', questions: [BCN65_QUESTION] },
      { rule: 'product:b', questions: [BCN65_QUESTION] },
    ]);
    const item = q.item!.filter((i) => i.linkId === BCN65_QUESTION.fact);
    assert.equal(item.length, 1);
    assert.equal(item[0]!.enableBehavior, 'any');
    assert.deepEqual(
      item[0]!.enableWhen!.map((w) => w.answerString),
      ['product:a', 'product:b'],
    );
  });

  it('refuses what one item cannot express, and a form with no items', () => {
    assert.throws(
      () =>
        standardQuestionnaire(src, [
          { rule: 'product:a', questions: [FEP_QUESTION, ITS_QUESTION] },
          { rule: 'product:b', questions: [ITS_QUESTION] },
        ]),
      /fact home-plan-covers is a later fact of a rule and is asked by another rule too/,
    );
    assert.throws(() => standardQuestionnaire(src, []), /has no rule with facts/);
  });
});
