// DTR `$next-question` (docs/design/dtr-19.md §A.2): the session found by the QR's identifier,
// the answers to exactly the items asked, the session's request decided with those facts under
// the policy set in force, then either the next rule's questions or the completed form with the
// decision. Each step is committed before the reply; the completed form's decision is also an
// audit record, as POST /v1/determinations makes one.
import { randomUUID } from 'node:crypto';
import type { AuditEventV1 } from '../../model/audit-event.js';
import type { CoverageRequest } from '../../model/coverage-request.js';
import type { QuestionV1 } from '../../model/determination.js';
import { describeConflict, mergeFacts } from '../../questions/answers.js';
import { questionsOfVersion } from '../../questions/questions.js';
import { decideRequest } from '../../service/decide-request.js';
import {
  CRD_VERSIONS,
  DEFAULT_CRD_VERSION,
  type CrdVersion,
} from '../cdshooks/coverage-information.js';
import { isObject, str, type Json } from '../cdshooks/fhir.js';
import {
  compiledVersion,
  formSource,
  payerLabel,
  refusal,
  type DtrDeps,
  type DtrResult,
} from './operation-deps.js';
import { answerProblemOutcome, nextQuestionOutput, readNextQuestionInput } from './parameters.js';
import type { DocPurpose, ReadAnswer } from './questionnaire-response.js';
import {
  completedResponse,
  completionAssertion,
  determinationText,
  nextResponse,
  readAnswers,
  sessionSystem,
  type SessionRefs,
} from './questionnaire-response.js';
import {
  DtrSessionStoreError,
  type DtrAnswerV1,
  type DtrSessionV1,
  type DtrStepV1,
} from '../../service/dtr-session-port.js';

const QR_AT = 'Parameters.parameter[0].resource';
const RESTART = 'restart with $questionnaire-package';

function originOf(a: ReadAnswer): DtrAnswerV1['origin'] {
  const subs = Array.isArray(a.origin?.['extension']) ? (a.origin['extension'] as Json[]) : [];
  const source = str(subs.find((s) => s['url'] === 'source')?.['valueCode']);
  if (!source) return undefined;
  const author = subs.find((s) => s['url'] === 'author');
  const ref = (Array.isArray(author?.['extension']) ? (author['extension'] as Json[]) : [])
    .map((x) => (isObject(x['valueReference']) ? str(x['valueReference']['reference']) : undefined))
    .find(Boolean);
  return { source, ...(ref ? { author: ref } : {}) };
}

function answersRecord(answers: readonly ReadAnswer[]): Record<string, DtrAnswerV1> {
  const out: Record<string, DtrAnswerV1> = {};
  for (const a of answers) {
    const origin = originOf(a);
    out[a.linkId] = { answer: a.code, ...(origin ? { origin } : {}) };
  }
  return out;
}

// Key order differs between what the store gives back and what was just read.
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
const sameAnswers = (a: Readonly<Record<string, DtrAnswerV1>>, b: Record<string, DtrAnswerV1>) =>
  canonical(a) === canonical(b);

/** The revision the session's form was issued under: the form stays the one issued. */
function issuedRevision(session: DtrSessionV1): string | undefined {
  const version = session.questionnaire.split('|')[1] ?? '';
  const at = version.lastIndexOf('+r.');
  return at >= 0 ? version.slice(at + 3) : undefined;
}

/** The questions (not display items) of the client's contained Questionnaire, as sent. */
function containedQuestions(qr: Json): string[] {
  const q = Array.isArray(qr['contained']) ? (qr['contained'] as unknown[])[0] : undefined;
  const items = isObject(q) && Array.isArray(q['item']) ? (q['item'] as unknown[]) : [];
  return items
    .filter((i): i is Json => isObject(i) && i['type'] === 'choice')
    .map((i) => String(i['linkId']));
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

type Read =
  | {
      ok: true;
      answers: ReadAnswer[];
      facts: Record<string, boolean>;
      step: number;
      replay: boolean;
    }
  | { ok: false; result: DtrResult };

/**
 * The client's answers, against every item asked so far; a client that missed the reply to the
 * last step and sends its answers again gets that step's reply again (the step is not re-made).
 */
function readStepAnswers(qr: Json, steps: readonly DtrStepV1[]): Read {
  const asked = (upTo: number) =>
    steps.slice(0, upTo).flatMap((s) => s.asked.map((fact) => ({ fact }) as QuestionV1));
  const last = steps.at(-1);
  const all = readAnswers(qr, asked(steps.length));
  if (all.ok) {
    const problems = all.warnings;
    if (problems.length > 0) return { ok: false, result: originRefusal(problems) };
    const record = answersRecord(all.answers);
    if (last?.status === 'completed') {
      if (sameAnswers(last.answers, record))
        return { ok: true, answers: all.answers, facts: all.facts, step: last.step, replay: true };
      return {
        ok: false,
        result: refusal(
          400,
          'business-rule',
          `this DTR session is completed and its answers cannot change; to answer differently, ${RESTART}`,
          QR_AT,
        ),
      };
    }
    return {
      ok: true,
      answers: all.answers,
      facts: all.facts,
      step: steps.length + 1,
      replay: false,
    };
  }
  // Only the form as it stood before the last step is a retry of it: a form that holds the last
  // step's questions unanswered is an incomplete answer (spec-147).
  if (
    last &&
    sameList(
      containedQuestions(qr),
      asked(steps.length - 1).map((q) => q.fact),
    )
  ) {
    const before = readAnswers(qr, asked(steps.length - 1));
    if (
      before.ok &&
      before.warnings.length === 0 &&
      sameAnswers(last.answers, answersRecord(before.answers))
    )
      return {
        ok: true,
        answers: before.answers,
        facts: before.facts,
        step: last.step,
        replay: true,
      };
  }
  return { ok: false, result: { status: 400, body: answerProblemOutcome(all.problem) } };
}

/**
 * DTR requires information-origin on every answer, with an author exactly when a person gave it
 * (dtrx-1). The server cannot know who answered, so it fills in nothing: a QR that would go back
 * (and on to PAS) breaking the profile is refused, naming the item and the fix.
 */
function originRefusal(problems: readonly string[]): DtrResult {
  return refusal(
    400,
    'required',
    `${problems.join('; ')}: give every answer the information-origin extension (${'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/information-origin'}), source manual or override with an author (the Practitioner), or auto-client without one`,
    `${QR_AT}.item`,
  );
}

function outOfDate(detail: string): DtrResult {
  return refusal(400, 'business-rule', `questionnaire out of date: ${detail}; ${RESTART}`, QR_AT);
}

export async function nextQuestion(body: unknown, deps: DtrDeps): Promise<DtrResult> {
  const input = readNextQuestionInput(body);
  if (!input.ok) return { status: 400, body: input.outcome };
  const qr = input.value;
  const identifier = isObject(qr['identifier']) ? qr['identifier'] : undefined;
  const sessionId = str(identifier?.['value']);
  if (!identifier || identifier['system'] !== sessionSystem(deps.publicUrl) || !sessionId)
    return refusal(
      400,
      'required',
      `the QuestionnaireResponse must keep the identifier ${sessionSystem(deps.publicUrl)}|{session} that $questionnaire-package gave it; ${RESTART}`,
      `${QR_AT}.identifier`,
    );
  const session = await deps.store.dtrSessions.getSession(sessionId);
  if (!session)
    return refusal(
      400,
      'not-found',
      `no DTR session ${JSON.stringify(sessionId)} here (unknown or expired); ${RESTART}`,
      `${QR_AT}.identifier.value`,
    );
  const steps = await deps.store.dtrSessions.steps(sessionId);
  const read = readStepAnswers(qr, steps);
  if (!read.ok) return read.result;

  const merged = mergeFacts([
    { name: 'the order', facts: session.request.facts ?? {} },
    { name: 'the answers', facts: read.facts },
  ]);
  if (!merged.ok)
    return refusal(
      400,
      'conflict',
      `the answers contradict the order: ${merged.conflicts.map(describeConflict).join('; ')}`,
      `${QR_AT}.item`,
    );
  const request: CoverageRequest = { ...session.request, facts: merged.facts };
  const decided = decideRequest(request, deps.ctx);
  if (!decided.ok) {
    const e = decided.error.error;
    if (e.code === 'unknown-fact') return outOfDate(e.detail);
    return refusal(
      400,
      'invalid',
      `the session's request cannot be decided now: ${e.detail}`,
      QR_AT,
    );
  }
  const d = decided.determination;
  const issued = compiledVersion(deps.ctx, session.policy, session.policyVersion);
  const inForce = d.policy ? compiledVersion(deps.ctx, d.policy.id, d.policy.version) : undefined;
  if (!issued)
    return outOfDate(
      `policy ${session.policy} version ${session.policyVersion}, which the form was issued for, is no longer in the policy set`,
    );
  const known = new Map<string, QuestionV1>();
  for (const r of questionsOfVersion(inForce?.version ?? issued.version))
    for (const q of r.questions) if (!known.has(q.fact)) known.set(q.fact, q);
  // A replayed step is decided again on what was asked before it.
  const askedIds = steps.slice(0, read.step - 1).flatMap((s) => s.asked);
  const gone = askedIds.find((f) => !known.has(f));
  if (gone)
    return outOfDate(
      `fact ${gone} is no longer asked by ${d.policy ? `policy ${d.policy.id} version ${d.policy.version}` : 'the policy in force'}`,
    );
  const asked = askedIds.map((f) => known.get(f)!);
  const askedSet = new Set(askedIds);
  const next = (d.questions ?? []).filter((q) => !askedSet.has(q.fact));

  const subject = isObject(qr['subject']) ? str(qr['subject']['reference']) : undefined;
  if (!subject)
    return refusal(
      400,
      'required',
      'QuestionnaireResponse.subject.reference is required: keep the member the package named',
      `${QR_AT}.subject`,
    );
  const src = formSource(deps.ctx, issued, deps.publicUrl, issuedRevision(session));
  const refs: SessionRefs = {
    sessionId,
    coverageReference: session.coverage ?? 'Coverage',
    ...(session.order ? { orderReference: session.order } : {}),
    // The member is never stored: the subject is the client's own, as the package gave it.
    patientReference: subject,
    intendedUse: (session.intendedUse ?? 'withclaim') as DocPurpose,
  };
  const summary: DtrStepV1['determination'] = {
    outcome: d.outcome,
    ...(d.basis ? { basis: d.basis } : {}),
    priorAuth: d.priorAuth,
    ...(d.policy ? { policyVersion: d.policy.version } : {}),
    revision: deps.ctx.policySet.revision,
  };
  let response;
  let step: DtrStepV1;
  const madeAt = deps.now().toISOString();
  if (next.length > 0) {
    response = nextResponse(src, refs, [...asked, ...next], read.answers);
    step = {
      sessionId,
      step: read.step,
      madeAt,
      status: 'in-progress',
      answers: answersRecord(read.answers),
      asked: next.map((q) => q.fact),
      determination: summary,
    };
  } else {
    const label = payerLabel(deps.coverageMap, d.payer);
    const text = determinationText(d, label, asked, read.answers);
    const assertion = completionAssertion(
      d,
      {
        coverageReference: refs.coverageReference,
        payerLabel: label,
        date: madeAt.slice(0, 10),
        // spec-47: CRD's id, so the completed answer replaces CRD's conditional assertion.
        assertionId: session.coverageAssertionId ?? sessionId,
        policyUrl: d.policy && deps.policyUrl ? deps.policyUrl(d.policy.id) : undefined,
        requestHasSetting: request.setting !== undefined,
        requestHasProviderParticipating: request.providerParticipating !== undefined,
        bases: deps.ctx.terminology.bases,
      },
      text,
    );
    const crd = session.crdVersion as CrdVersion;
    response = completedResponse(src, refs, asked, read.answers, {
      text,
      assertion,
      crdVersion: CRD_VERSIONS.includes(crd) ? crd : DEFAULT_CRD_VERSION,
    });
    step = {
      sessionId,
      step: read.step,
      madeAt,
      status: 'completed',
      answers: answersRecord(read.answers),
      asked: [],
      determination: {
        ...summary,
        covered: assertion.covered,
        ...(assertion.paNeeded ? { paNeeded: assertion.paNeeded } : {}),
      },
    };
    if (!read.replay) {
      const event: AuditEventV1 = {
        id: randomUUID(),
        recordedAt: madeAt,
        requester: deps.requester,
        requestId: deps.requestId,
        request,
        determination: d,
      };
      await deps.store.record([event]);
    }
  }
  try {
    await deps.store.dtrSessions.appendStep(step);
  } catch (e) {
    if (e instanceof DtrSessionStoreError)
      return refusal(
        e.reason === 'step-conflict' || e.reason === 'step-out-of-order' ? 409 : 400,
        'conflict',
        `${e.message}; send the QuestionnaireResponse of the latest reply, or ${RESTART}`,
        QR_AT,
      );
    throw e;
  }
  return { status: 200, body: nextQuestionOutput(response) };
}
