// POST {base}/cds-services/{id}: the transport-agnostic core. Validates, gathers data, maps each
// order to a CoverageRequest, decides it through the service, and answers with a coverage-
// information systemAction per order plus Instructions and External Reference cards.
// Business outcomes — unknown coverage, missing data, a failed EHR read — are 200s.
import type { DeterminationV1 } from '../../model/determination.js';
import { decideRequest } from '../../service/decide-request.js';
import type { DecisionContext } from '../../service/load-context.js';
import { operationOutcome } from '../pas/operation-outcome.js';
import { externalReferenceCard, instructionsCard, questionsCard, summary } from './cards.js';
import {
  assertionFromDetermination,
  buildCoverageInformation,
  COVERAGE_INFORMATION_URL,
  conditionalAssertion,
  indeterminateAssertion,
  type CoverageAssertion,
  type CrdVersion,
} from './coverage-information.js';
import {
  loadCoverageMap,
  selectCoverage,
  type CoverageMap,
  type ResolvedCoverage,
} from './coverage-map.js';
import { orderToCoverageRequest } from './fhir-to-coverage-request.js';
import { asArray, isObject, resourceKey, str, type Json } from './fhir.js';
import { HOOK_BEHAVIOURS } from './hooks.js';
import { checkHookRequest, type HookRequest } from './hook-request.js';
import {
  gatherData,
  httpFhirFetch,
  orderDependencies,
  type FhirFetch,
  type FhirReadFailure,
  type GatheredData,
} from './prefetch.js';
import { findService } from './services.js';

/** What is kept of each assertion: enough to honour it later (CRD found-11), no PHI. */
export interface CoverageAssertionRecordV1 {
  assertionId: string;
  serviceId: string;
  hook: string;
  hookInstance: string;
  madeAt: string;
  crdVersion: CrdVersion;
  /** "MedicationRequest/123" on the client's system. */
  order: string;
  /** "Coverage/abc" on the client's system. */
  coverage: string;
  payer?: string;
  /** The CoverageRequest decided (codes, dates, product: no member identifiers). */
  request?: unknown;
  determination?: DeterminationV1;
  covered: string;
  paNeeded?: string;
}

export interface HookDeps {
  ctx: DecisionContext;
  /** Reads against the EHR; defaults to Node's fetch with a 2 s timeout. */
  fetchFhir?: FhirFetch;
  /**
   * Which `fhirServer` URLs may be read (and sent the client's access token). Default: none —
   * the caller picks the URL, so reading any would let it aim this service anywhere (SSRF).
   * See fhirServerMatcher.
   */
  fhirServerAllowed?: (fhirServer: string) => boolean;
  /** Told of each failed EHR read (for the log); the answer itself only says it failed. */
  onFhirReadFailure?: (failure: FhirReadFailure) => void;
  now: () => Date;
  newId: () => string;
  /** Public URL of a policy, for the detail policy-link and the External Reference card. */
  policyUrl: (policyId: string) => string;
  /**
   * The server's public URL: where DTR serves the questionnaires an answer names and where the
   * questions card links. Without it, answers name no questionnaire and no questions card is sent.
   */
  publicUrl?: string;
  /** Persists each assertion (the audit store); awaited before answering. */
  record?: (assertion: CoverageAssertionRecordV1) => Promise<void>;
  coverageMap?: CoverageMap;
}

export interface HookResult {
  status: number;
  body: unknown;
}

const defaultFetch = httpFhirFetch();

export async function handleHook(
  serviceId: string,
  body: unknown,
  deps: HookDeps,
): Promise<HookResult> {
  const service = findService(serviceId);
  if (!service)
    return { status: 404, body: operationOutcome('not-found', `no CDS service '${serviceId}'`) };
  const behaviour = HOOK_BEHAVIOURS[service.hook];
  const checked = checkHookRequest(service, behaviour, body);
  if (!checked.ok) return { status: 400, body: operationOutcome('invalid', checked.message) };
  // A bug or a store outage throws on to the transport, which logs it and answers 500 or 503
  // without echoing the request; it is never dressed up as a coverage answer.
  return answer(service.id, checked.value, deps);
}

async function answer(serviceId: string, req: HookRequest, deps: HookDeps): Promise<HookResult> {
  const behaviour = HOOK_BEHAVIOURS[req.hook as keyof typeof HOOK_BEHAVIOURS];
  // Encounter hooks read nothing: there is no cache to warm yet, and reading a patient's
  // coverage for no answer would only take data the decision does not need (CRD sec-5).
  if (!behaviour.decides) return { status: 200, body: { cards: [] } };
  const data = await gatherData(
    req,
    behaviour.targets(req.context),
    deps.fetchFhir ?? defaultFetch,
    deps.fhirServerAllowed,
    deps.onFhirReadFailure,
  );

  const map = deps.coverageMap ?? loadCoverageMap();
  const now = deps.now();
  const today = now.toISOString().slice(0, 10);
  const orgs = new Map([...data.resources].filter(([k]) => k.startsWith('Organization/')));
  const selection = data.coverageUnavailable
    ? undefined
    : selectCoverage(data.coverages, map, orgs, today);

  const cards: Json[] = [];
  const references: Json[] = [];
  const systemActions: Json[] = [];

  if (!selection || selection.kind === 'none') {
    // The extension needs a Coverage to refer to; without one, say so in a card.
    const why = data.coverageUnavailable
      ? `Coverage requirements could not be assessed: ${data.problems.join('; ')}.`
      : 'No active coverage was found for this patient, so coverage requirements could not be assessed.';
    cards.push({
      uuid: deps.newId(),
      summary: summary(
        data.coverageUnavailable ? 'Coverage could not be read' : 'No active coverage on record',
      ),
      detail: why,
      indicator: 'info',
      source: { label: 'Medical policy coverage', topic: cardTopic(req.version) },
    });
    return respond(cards, references, systemActions, req);
  }

  for (const target of data.targets) {
    const orderRef = resourceKey(target) ?? String(target['resourceType']);
    const made = decideTarget(
      target,
      selection.coverage,
      selection.kind === 'ours',
      data,
      deps,
      today,
      // order-select never asks for documentation (CRD hooks.md hook-19).
      req.hook === 'order-select' ? undefined : deps.publicUrl,
    );
    const ext = buildCoverageInformation(made.assertion, req.version);
    systemActions.push({
      type: 'update',
      description: summary(`Coverage information for ${orderRef}: ${made.assertion.covered}`),
      resource: withCoverageInformation(target, ext, made.assertion.coverageReference),
    });
    if (made.unassessed)
      cards.push({
        uuid: deps.newId(),
        summary: summary(`Coverage for ${made.label} could not be assessed`),
        detail: `Coverage requirements for **${made.label}** could not be assessed: ${made.unassessed}.`,
        indicator: 'info',
        source: {
          label: selection.coverage.label ?? 'Medical policy coverage',
          topic: cardTopic(req.version),
        },
        extension: { 'davinci-crd.associated-resource': [{ reference: orderRef }] },
      });
    // Cards quote the determination only when the systemAction carries it, so the two agree.
    else if (made.determination && made.decided && selection.coverage.label) {
      const inputs = {
        determination: made.determination,
        payerLabel: selection.coverage.label,
        orderLabel: made.label,
        orderPhrase: made.phrase ?? 'this order',
        orderReference: orderRef,
        policyUrl: made.determination.policy
          ? deps.policyUrl(made.determination.policy.id)
          : undefined,
        version: req.version,
        newId: deps.newId,
      };
      const instr = instructionsCard(inputs);
      if (instr) cards.push(instr);
      const asked = deps.publicUrl
        ? questionsCard({
            ...inputs,
            publicUrl: deps.publicUrl,
            assertionId: made.assertion.assertionId,
          })
        : undefined;
      if (asked) cards.push(asked);
      const ref = externalReferenceCard(inputs);
      if (ref) references.push(ref);
    }
    if (deps.record) {
      const rec: CoverageAssertionRecordV1 = {
        assertionId: made.assertion.assertionId,
        serviceId,
        hook: req.hook,
        hookInstance: req.hookInstance,
        madeAt: now.toISOString(),
        crdVersion: req.version,
        order: orderRef,
        coverage: made.assertion.coverageReference,
        covered: made.assertion.covered,
      };
      if (selection.coverage.payer) rec.payer = selection.coverage.payer;
      if (made.request) rec.request = made.request;
      if (made.determination) rec.determination = made.determination;
      if (made.assertion.paNeeded) rec.paNeeded = made.assertion.paNeeded;
      await deps.record(rec);
    }
  }
  if (!req.configuration.coverageInfo) {
    systemActions.length = 0;
    cards.length = 0;
  }
  if (!req.configuration.guideline) references.length = 0;
  return respond(cards, references, systemActions, req);
}

function cardTopic(version: CrdVersion): Json {
  return {
    system:
      version === '2.2'
        ? 'http://terminology.hl7.org/CodeSystem/cdshooks-card-type'
        : 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp',
    code: 'coverage-info',
    display: 'Coverage Information',
  };
}

function respond(
  cards: Json[],
  references: Json[],
  systemActions: Json[],
  req: HookRequest,
): HookResult {
  const all = [...cards, ...references].slice(0, req.configuration.maxCards);
  const body: Json = { cards: all };
  // CDS Hooks: optional arrays are omitted, never empty.
  if (systemActions.length > 0) body['systemActions'] = systemActions;
  return { status: 200, body };
}

/** The draft resource unchanged but for its coverage-information extension (CRD resp-37). */
export function withCoverageInformation(
  resource: Json,
  ext: Json,
  coverageReference: string,
): Json {
  const kept = asArray(resource['extension']).filter(
    (e) =>
      !(isObject(e) && e['url'] === COVERAGE_INFORMATION_URL && sameCoverage(e, coverageReference)),
  );
  return { ...resource, extension: [...kept, ext] };
}

function sameCoverage(ext: Json, ref: string): boolean {
  return asArray(ext['extension']).some(
    (s) =>
      isObject(s) &&
      s['url'] === 'coverage' &&
      isObject(s['valueReference']) &&
      s['valueReference']['reference'] === ref,
  );
}

interface Made {
  assertion: CoverageAssertion;
  label: string;
  phrase?: string;
  determination?: DeterminationV1;
  /** The assertion states the determination (not overridden by a technical problem). */
  decided?: boolean;
  /** Why the order could not be assessed (a resource it depends on was unreadable). */
  unassessed?: string;
  request?: unknown;
}

function decideTarget(
  target: Json,
  coverage: ResolvedCoverage,
  ours: boolean,
  data: GatheredData,
  deps: HookDeps,
  today: string,
  publicUrl: string | undefined,
): Made {
  const base = { coverageReference: coverage.reference, date: today, assertionId: deps.newId() };
  const label = resourceKey(target) ?? String(target['resourceType']);
  if (!ours) {
    const payor = asArray(coverage.coverage['payor'])
      .map((p) => (isObject(p) ? str(p['display']) : undefined))
      .find(Boolean);
    return {
      label,
      assertion: indeterminateAssertion(base, {
        code: 'coverage-not-found',
        text: `The coverage${payor ? ` (payor “${payor}”)` : ''} is not one this service answers for; ask the member’s plan.`,
      }),
    };
  }
  const mapped = orderToCoverageRequest(deps.ctx, {
    resource: target,
    resources: data.resources,
    encounter: data.encounter,
    coverage,
    today,
  });
  // Only a failed read of something this order's decision reads makes it technical: a failed
  // Encounter read used to turn every undecided order indeterminate while its card, built from
  // the same determination, still decided it (issue 16, finding 7).
  const failed = [
    ...new Set(
      orderDependencies(target, data.resources)
        .map((k) => data.unread.get(k))
        .filter((t): t is string => t !== undefined),
    ),
  ];
  const technical = failed.length > 0 ? failed.join('; ') : undefined;
  if (!mapped.inScope) {
    if (technical)
      return {
        label: mapped.label,
        unassessed: technical,
        assertion: indeterminateAssertion(base, {
          code: 'technical',
          text: `Could not assess: ${technical}.`,
        }),
      };
    return {
      label: mapped.label,
      request: mapped.request,
      assertion: conditionalAssertion(
        base,
        `No ${coverage.label ?? ''} medical policy served here speaks to this order; the member’s benefit plan governs.`,
      ),
    };
  }
  const result = decideRequest(mapped.request, deps.ctx);
  if (!result.ok) {
    const problems = [result.error.error, ...(result.error.error.problems ?? [])].map(
      (p) => p.detail,
    );
    return {
      label: mapped.label,
      request: mapped.request,
      assertion: conditionalAssertion(
        base,
        `The order could not be decided as sent: ${[...new Set(problems)].join('; ')}.`,
      ),
    };
  }
  const d = result.determination;
  if (technical && (d.outcome === 'needs-info' || d.outcome === 'out-of-scope'))
    return {
      label: mapped.label,
      request: mapped.request,
      determination: d,
      unassessed: technical,
      assertion: indeterminateAssertion(base, {
        code: 'technical',
        text: `Could not assess: ${technical}.`,
      }),
    };
  const assertion = assertionFromDetermination(d, {
    ...base,
    payerLabel: coverage.label ?? d.payer,
    policyUrl: d.policy ? deps.policyUrl(d.policy.id) : undefined,
    requestHasSetting: mapped.request.setting !== undefined,
    requestHasProviderParticipating: mapped.request.providerParticipating !== undefined,
    bases: deps.ctx.terminology.bases,
    publicUrl,
  });
  return {
    label: mapped.label,
    phrase: mapped.phrase,
    request: mapped.request,
    determination: d,
    decided: true,
    assertion,
  };
}
