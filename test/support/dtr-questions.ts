// QuestionV1 fixtures for the DTR adapter tests, made as the engine makes them (issue #19): the
// questions are facts.yaml's (docs/design/dtr-19.md §C.1) and every quote is verbatim from the
// seed it cites, at that line (whitespace-normalized, as the policy compiler matches quotes; the
// BCN65 line has a TAB, the BCBSAL lines NBSPs). test/dtr-fhir.test.ts checks them against the
// sources.
import type { QuestionV1 } from '../../src/model/determination.js';

const BCN_SOURCE = 'policies/sources/bcbsm-bcn-iv-anesthetics.txt';
const BCBSAL_SOURCE = 'policies/sources/bcbsal-mp-446.txt';

function question(
  fact: string,
  text: string,
  answers: { yes: string; no: string },
  rule: string,
  source: string,
  line: number,
  quote: string,
  reasonText: string,
): QuestionV1 {
  return {
    id: `facts.${fact}`,
    fact,
    text,
    answers,
    // As the engine names them: the question's reason is the fact's, the question's rule the product's.
    reason: {
      text: reasonText,
      citation: { source: `${source}#L${line}`, quote, line },
      rule: `fact:${fact}`,
    },
    rule,
  };
}

/** BCN65: seed 003 line 676. */
export const BCN65_QUESTION = question(
  'primary-medicare-covered',
  'Did primary Medicare cover this service for this member?',
  {
    yes: 'primary Medicare covered the service',
    no: 'primary Medicare did not cover the service',
  },
  'product:bcn65-medicare-complementary',
  BCN_SOURCE,
  676,
  'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.',
  'follows primary Medicare',
);

/** BCBSAL FEP: seed 002 line 95. */
export const FEP_QUESTION = question(
  'fep-benefit-plan-covers',
  "Does the member's FEP benefit plan (a special benefit consideration) cover this service?",
  {
    yes: "the member's FEP benefit plan covers the service",
    no: "the member's FEP benefit plan gives no special benefit consideration for it",
  },
  'product:fep',
  BCBSAL_SOURCE,
  95,
  'FEP: Special benefit consideration may apply. Refer to member’s benefit plan.',
  'the FEP benefit plan decides',
);

/** BCBSAL ITS: seed 002 line 93. */
export const ITS_QUESTION = question(
  'home-plan-covers',
  "Under the member's home plan's medical policy (ITS/BlueCard), is this service covered?",
  {
    yes: "the home plan's policy covers the service",
    no: "the home plan's policy does not cover the service",
  },
  'product:its-home-plan',
  BCBSAL_SOURCE,
  93,
  'ITS: Home Policy provisions apply',
  "the home plan's policy decides",
);

/** BCBSAL group-specific: seed 002 line 91. */
export const GROUP_QUESTION = question(
  'group-policy-covers',
  "Does the member's group-specific policy cover this service?",
  {
    yes: 'the group-specific policy covers the service',
    no: 'the group-specific policy does not cover the service',
  },
  'product:group-specific',
  BCBSAL_SOURCE,
  91,
  'Group-specific policy will supersede this policy when applicable.',
  'a group-specific policy decides',
);

export const ALL_QUESTIONS = [BCN65_QUESTION, FEP_QUESTION, ITS_QUESTION, GROUP_QUESTION];
