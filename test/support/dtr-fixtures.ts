// Forms, sessions and client answers for the DTR adapter tests, on the real BCN and BCBSAL
// policies (compiled from policies/) and the seed-quoted questions of ./dtr-questions.ts.
import type { CompiledPolicy } from '../../src/model/compiled-policy.js';
import type { DeterminationV1, QuestionV1 } from '../../src/model/determination.js';
import type { DecisionContext } from '../../src/service/load-context.js';
import type { AnswerCode, Extension, FormSource } from '../../src/adapters/dtr/questionnaire.js';
import type { SessionRefs } from '../../src/adapters/dtr/questionnaire-response.js';
import { ANSWER } from '../../src/adapters/dtr/questionnaire.js';
import { INFORMATION_ORIGIN_URL } from '../../src/adapters/dtr/questionnaire-response.js';
import { BCN65_QUESTION } from './dtr-questions.js';

export const PUBLIC_URL = 'https://payer.example';

export function policyOf(ctx: DecisionContext, id: string): CompiledPolicy {
  const p = ctx.policySet.policies.find((x) => x.id === id);
  if (!p) throw new Error(`no policy ${id} in the compiled set`);
  return p;
}

/** The form of one version of a real policy; the latest version unless one is named. */
export function formOf(ctx: DecisionContext, policyId: string, versionId?: string): FormSource {
  const policy = policyOf(ctx, policyId);
  const version = versionId
    ? policy.versions.find((v) => v.id === versionId)
    : policy.versions[policy.versions.length - 1];
  if (!version) throw new Error(`no version ${versionId} of ${policyId}`);
  return { policy, version, revision: ctx.policySet.revision, publicUrl: PUBLIC_URL };
}

export const REFS: SessionRefs = {
  sessionId: '5b0c2d4e-9a41-4f0e-8a47-0e6d3a1f2c11',
  coverageReference: 'Coverage/cov-1',
  orderReference: 'MedicationRequest/ket-1',
  patientReference: 'Patient/pat-1',
  intendedUse: 'withclaim',
};

/** A person entered it (DTR information-origin, with the author dtrx-1 then requires). */
export function manualOrigin(): Extension {
  return {
    url: INFORMATION_ORIGIN_URL,
    extension: [
      { url: 'source', valueCode: 'manual' },
      {
        url: 'author',
        extension: [{ url: 'practitioner', valueReference: { reference: 'Practitioner/dr-1' } }],
      },
    ],
  };
}

/** The items of a client's QR answering `answers` (linkId → code), with manual origins. */
export function clientItems(answers: Record<string, AnswerCode>): Record<string, unknown>[] {
  return Object.entries(answers).map(([linkId, code]) => ({
    linkId,
    answer: [{ valueCoding: { ...ANSWER[code] }, extension: [manualOrigin()] }],
  }));
}

/**
 * A determination as the engine gives it once BCN65's fact is answered (docs/design/dtr-19.md
 * §0, §D.4): the fact's sentence is the first cited reason.
 */
export function bcn65Determination(
  src: FormSource & { policy: CompiledPolicy },
  outcome: 'covered' | 'not-covered' | 'conditional',
  question: QuestionV1 = BCN65_QUESTION,
): DeterminationV1 {
  const version = src.policy.versions.find((v) => v.id === src.version.id)!;
  return {
    outcome,
    ...(outcome === 'covered' ? {} : { basis: 'follows-primary-medicare' }),
    priorAuth: 'not-required',
    payer: 'bcn',
    policy: version.ref,
    referTo: [],
    reasons: [question.reason],
    missing: outcome === 'conditional' ? [question.id] : [],
    warnings: [],
    notices: [],
    revision: src.revision,
    ...(outcome === 'conditional' ? { questions: [question] } : {}),
  };
}
