// DTR `$questionnaire-package` (docs/design/dtr-19.md §A.1): the request is decided as CRD
// decided it — from the CRD coverage-assertion-id (`context`) or from the Coverage and the order —
// and when the determination has questions, a session is committed and the package Bundle
// (adaptive Questionnaire + draft QuestionnaireResponse) answered. Without questions the answer
// is an `outcome` saying why no form is needed (oper-8).
import type { CoverageRequest } from '../../model/coverage-request.js';
import type { DeterminationV1 } from '../../model/determination.js';
import { decideRequest } from '../../service/decide-request.js';
import { requestWithoutMemberData } from '../../store/dtr-session-store.js';
import {
  assertionFromDetermination,
  CRD_VERSIONS,
  DEFAULT_CRD_VERSION,
  policyName,
  type CrdVersion,
} from '../cdshooks/coverage-information.js';
import { selectCoverage } from '../cdshooks/coverage-map.js';
import { orderToCoverageRequest } from '../cdshooks/fhir-to-coverage-request.js';
import { isObject, resourceKey, str, type Json } from '../cdshooks/fhir.js';
import type { OperationOutcome } from '../pas/operation-outcome.js';
import {
  compiledVersion,
  formSource,
  payerLabel,
  refusal,
  type DtrDeps,
  type DtrResult,
} from './operation-deps.js';
import { packageBundle, packageOutput, readPackageInput, type PackageInput } from './parameters.js';
import {
  adaptiveSearchQuestionnaire,
  fhirBase,
  questionnaireCanonical,
  questionnaireVersion,
  standardFormId,
} from './questionnaire.js';
import { draftResponse, type DocPurpose, type SessionRefs } from './questionnaire-response.js';
import { DtrSessionStoreError, type DtrSessionV1 } from '../../service/dtr-session-port.js';

/** What the package is decided on, wherever it came from. */
interface Decidable {
  request: CoverageRequest;
  coverageReference: string;
  orderReference?: string | undefined;
  coverageAssertionId?: string | undefined;
  crdVersion: CrdVersion;
  label?: string | undefined;
}

type Found = { ok: true; value: Decidable } | { ok: false; result: DtrResult };

const info = (diagnostics: string): OperationOutcome['issue'][number] => ({
  severity: 'information',
  code: 'informational',
  diagnostics,
});
const warning = (diagnostics: string): OperationOutcome['issue'][number] => ({
  severity: 'warning',
  code: 'informational',
  diagnostics,
});

/** An answer with no form: 200, the outcome alone, saying why (oper-8) and any warnings. */
function noForm(why: string, warnings: readonly string[]): DtrResult {
  return {
    status: 200,
    body: packageOutput([], {
      resourceType: 'OperationOutcome',
      issue: [info(why), ...warnings.map(warning)],
    }),
  };
}

async function fromContext(
  input: PackageInput,
  context: string,
  deps: DtrDeps,
  warnings: string[],
): Promise<Found> {
  const found = await deps.store.getCoverageAssertionRequest(context);
  if (!found)
    return {
      ok: false,
      result: refusal(
        400,
        'not-found',
        `context ${JSON.stringify(context)} is not a coverage-assertion-id this service gave: send the coverage-assertion-id of its CRD coverage-information, or the order without context`,
        "Parameters.parameter.where(name = 'context')",
      ),
    };
  if (!found.request)
    return {
      ok: false,
      result: noForm(
        `No questionnaire: the CRD answer ${context} was not decided on a medical policy (covered: ${found.covered}), so no policy question applies; its coverage-information says what to do instead.`,
        warnings,
      ),
    };
  if (input.orders.length > 0)
    warnings.push(
      'the order parameter was not used: the questions follow the request CRD decided for the context',
    );
  const record = await deps.store.getCoverageAssertion(context);
  const rec = isObject(record) ? record : {};
  const crd = str(rec['crdVersion']);
  return {
    ok: true,
    value: {
      request: found.request,
      // The completion's coverage-information must carry the coverage CRD named (spec-47's key).
      coverageReference: str(rec['coverage']) ?? resourceKey(input.coverage) ?? 'Coverage',
      orderReference: str(rec['order']),
      coverageAssertionId: context,
      crdVersion: CRD_VERSIONS.includes(crd as CrdVersion)
        ? (crd as CrdVersion)
        : DEFAULT_CRD_VERSION,
      label: found.payer ? payerLabel(deps.coverageMap, found.payer) : undefined,
    },
  };
}

function fromOrder(input: PackageInput, deps: DtrDeps, warnings: string[]): Found {
  const order = input.orders[0]!;
  if (input.orders.length > 1)
    warnings.push(
      `parameter order occurred ${input.orders.length} times; one package is made for the first order only: call again for each other order`,
    );
  const selection = selectCoverage([input.coverage], deps.coverageMap, new Map());
  if (selection.kind !== 'ours')
    return {
      ok: false,
      result: noForm(
        'No questionnaire: the coverage is not one administered by this service (or is not active); ask the member’s plan for its documentation requirements.',
        warnings,
      ),
    };
  const resources = new Map<string, Json>();
  for (const r of [input.coverage, order]) {
    const k = resourceKey(r);
    if (k) resources.set(k, r);
  }
  const mapped = orderToCoverageRequest(deps.ctx, {
    resource: order,
    resources,
    coverage: selection.coverage,
    today: deps.now().toISOString().slice(0, 10),
  });
  if (!mapped.inScope)
    return {
      ok: false,
      result: noForm(
        `No questionnaire: no medical policy served here speaks to ${mapped.label}; the member’s benefit plan governs.`,
        warnings,
      ),
    };
  return {
    ok: true,
    value: {
      request: mapped.request,
      coverageReference: selection.coverage.reference,
      orderReference: resourceKey(order),
      crdVersion: DEFAULT_CRD_VERSION,
      label: selection.coverage.label,
    },
  };
}

/** oper-9: a requested Questionnaire this server does not have is a warning, not a failure. */
function unknownQuestionnaires(input: PackageInput, deps: DtrDeps): string[] {
  const base = `${fhirBase(deps.publicUrl)}/Questionnaire/`;
  const out: string[] = [];
  for (const canonical of input.questionnaires) {
    const [url = '', version] = canonical.split('|');
    const id = url.startsWith(base) ? url.slice(base.length) : undefined;
    const policy = deps.ctx.policySet.policies.find(
      (p) => id === p.id || id === standardFormId(p.id),
    );
    const known =
      policy &&
      (version === undefined ||
        policy.versions.some(
          (v) =>
            version === v.id || version === questionnaireVersion(v.id, deps.ctx.policySet.revision),
        ));
    if (!known)
      out.push(
        `questionnaire ${canonical} was not found here (oper-9): this server's forms are ${base}{policy}, one per policy, at the version in force`,
      );
  }
  return out;
}

/** Why no form follows a determination without questions (oper-8), in the reader's words. */
function whyNoQuestions(d: DeterminationV1, label: string, deps: DtrDeps): string {
  const name = policyName(d, label);
  const quote = d.reasons.find((r) => r.citation)?.citation?.quote;
  const states = quote ? ` The policy states: “${quote}”` : '';
  switch (d.outcome) {
    case 'covered':
      return `No information is needed: covered under ${name}.${states}`;
    case 'not-covered':
      return `No information is needed: not covered (${deps.ctx.terminology.bases.phrase(d.basis ?? 'not-covered')}) under ${name}.${states}`;
    case 'conditional':
      return `No questionnaire: coverage is conditional (${deps.ctx.terminology.bases.phrase(d.basis ?? 'not-covered')}) under ${name}, and no question of the policy decides it.${states}`;
    case 'needs-info':
      return `No questionnaire: the order does not state what ${name} needs (${d.missing.join(', ')}); send them with the order (CRD) and ask again.`;
    case 'out-of-scope':
      return `No information is needed: ${d.policy ? `${name} does not decide this order for this product or indication` : `no ${label} medical policy speaks to this order`}; the member’s benefit plan governs.`;
  }
}

/** As CRD's doc-purpose: with the PA request only when one is sought (2.2 crd-ci-q4). */
function intendedUse(paNeeded: string | undefined): DocPurpose {
  return paNeeded === 'auth-needed' || paNeeded === 'conditional' ? 'withpa' : 'withclaim';
}

export async function questionnairePackage(body: unknown, deps: DtrDeps): Promise<DtrResult> {
  const read = readPackageInput(body);
  if (!read.ok) return { status: 400, body: read.outcome };
  const input = read.value;
  const warnings = [...read.warnings, ...unknownQuestionnaires(input, deps)];
  const patient = isObject(input.coverage['beneficiary'])
    ? str(input.coverage['beneficiary']['reference'])
    : undefined;
  if (!patient)
    return refusal(
      400,
      'required',
      'Coverage.beneficiary.reference is required: the QuestionnaireResponse’s subject is the member the Coverage names (oper-18)',
      "Parameters.parameter.where(name = 'coverage').resource.beneficiary",
    );
  let found: Found;
  if (input.context !== undefined) found = await fromContext(input, input.context, deps, warnings);
  else if (input.orders.length > 0) found = fromOrder(input, deps, warnings);
  else
    return noForm(
      'No questionnaire: which questions apply depends on the order; send the order, or the CRD coverage-assertion-id as context. The standard form of each policy is at Questionnaire/{policy}-form.',
      warnings,
    );
  if (!found.ok) return found.result;
  const at = found.value;
  const decided = decideRequest(at.request, deps.ctx);
  // As CRD answers such an order (conditional, "could not be decided as sent"): no form can help.
  if (!decided.ok)
    return noForm(
      `No questionnaire: the order could not be decided as sent: ${decided.error.error.detail}`,
      warnings,
    );
  const d = decided.determination;
  const label = at.label ?? payerLabel(deps.coverageMap, d.payer);
  const questions = d.questions ?? [];
  const pv = d.policy ? compiledVersion(deps.ctx, d.policy.id, d.policy.version) : undefined;
  if (questions.length === 0 || !pv) return noForm(whyNoQuestions(d, label, deps), warnings);

  const src = formSource(deps.ctx, pv, deps.publicUrl);
  const today = deps.now().toISOString().slice(0, 10);
  const sessionId = deps.newId();
  const assertion = assertionFromDetermination(d, {
    coverageReference: at.coverageReference,
    payerLabel: label,
    date: today,
    assertionId: at.coverageAssertionId ?? sessionId,
    requestHasSetting: at.request.setting !== undefined,
    requestHasProviderParticipating: at.request.providerParticipating !== undefined,
    bases: deps.ctx.terminology.bases,
  });
  const refs: SessionRefs = {
    sessionId,
    coverageReference: at.coverageReference,
    ...(at.orderReference ? { orderReference: at.orderReference } : {}),
    patientReference: patient,
    intendedUse: intendedUse(assertion.paNeeded),
  };
  const session: DtrSessionV1 = {
    id: sessionId,
    createdAt: deps.now().toISOString(),
    coverageAssertionId: at.coverageAssertionId,
    payer: d.payer,
    policy: pv.policy.id,
    policyVersion: pv.version.id,
    questionnaire: questionnaireCanonical(src),
    request: requestWithoutMemberData(at.request),
    coverage: at.coverageReference,
    order: at.orderReference,
    intendedUse: refs.intendedUse,
    crdVersion: at.crdVersion,
  };
  try {
    await deps.store.dtrSessions.createSession(session);
  } catch (e) {
    if (e instanceof DtrSessionStoreError) return refusal(400, 'invalid', e.message);
    throw e;
  }
  const bundle = packageBundle(
    adaptiveSearchQuestionnaire(src),
    draftResponse(src, refs),
    `urn:uuid:${sessionId}`,
  );
  const outcome: OperationOutcome | undefined =
    warnings.length > 0
      ? { resourceType: 'OperationOutcome', issue: warnings.map(warning) }
      : undefined;
  return { status: 200, body: packageOutput([bundle], outcome) };
}
