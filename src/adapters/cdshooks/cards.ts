// CRD cards: an Instructions card quoting the policy sentence that decided an order, and an
// External Reference card linking to the policy. Coverage itself travels in the systemAction.
import type { DeterminationV1 } from '../../model/determination.js';
import { outOfScopeLabel, outOfScopeMeaning } from '../../model/out-of-scope-reason.js';
import { CRD_TEMP_SYSTEM, type CrdVersion } from './coverage-information.js';
import type { Json } from './fhir.js';

export const CARD_TYPE_SYSTEM: Record<CrdVersion, string> = {
  '2.0': CRD_TEMP_SYSTEM,
  '2.2': 'http://terminology.hl7.org/CodeSystem/cdshooks-card-type',
};

const TOPIC_DISPLAY: Record<string, string> = {
  'coverage-info': 'Coverage Information',
  guideline: 'Guideline',
};

/** CDS Hooks: summary SHOULD be under 140 characters (testers fail at 140). */
export function summary(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length < 140 ? s : `${s.slice(0, 138)}…`;
}

function source(label: string, topic: string, version: CrdVersion): Json {
  return {
    label,
    topic: { system: CARD_TYPE_SYSTEM[version], code: topic, display: TOPIC_DISPLAY[topic] },
  };
}

const OUTCOME_PHRASE: Record<DeterminationV1['outcome'], string> = {
  covered: 'is covered',
  'not-covered': 'is not covered',
  conditional: 'is conditionally covered',
  'out-of-scope': 'is not decided by a medical policy',
  'needs-info': 'needs more information to decide',
};

export interface CardInputs {
  determination: DeterminationV1;
  payerLabel: string;
  /** Human name of the order, e.g. "MedicationRequest/ket-1 (ketamine, intravenous)". */
  orderLabel: string;
  /** "intravenous ketamine", for the summary. */
  orderPhrase: string;
  /** "MedicationRequest/ket-1", for davinci-crd.associated-resource. */
  orderReference: string;
  policyUrl?: string | undefined;
  version: CrdVersion;
  newId: () => string;
}

function policyTitle(d: DeterminationV1): string {
  const p = d.policy;
  return p ? `${p.number ? `#${p.number} ` : ''}${p.title}` : 'medical policy';
}

/** An Instructions card: detail only, no links, no suggestions (CRD cards.md). */
export function instructionsCard(i: CardInputs): Json | undefined {
  const d = i.determination;
  const reason = d.reasons.find((r) => r.citation) ?? d.reasons[0];
  if (!d.policy || !reason) return undefined;
  // Why not covered, or which kind of out-of-scope: "not decided … (refers elsewhere)".
  const basis = d.basis
    ? ` (${d.basis.replace(/-/g, ' ')})`
    : d.outOfScopeReason
      ? ` (${outOfScopeLabel(d.outOfScopeReason)})`
      : '';
  const pa =
    d.priorAuth === 'required'
      ? ' Prior authorization is required.'
      : d.priorAuth === 'conditional'
        ? ' Whether prior authorization is required depends on the setting or provider.'
        : '';
  const quote = reason.citation?.quote ?? reason.text;
  const lines = [
    `**${i.orderLabel}** ${OUTCOME_PHRASE[d.outcome]}${basis} under ${i.payerLabel} policy ${policyTitle(d)} (version ${d.policy.version}, effective ${d.policy.effectiveFrom}).${pa}`,
    '',
    `> ${quote.replace(/\n+/g, ' ')}`,
  ];
  if (d.outOfScopeReason) lines.splice(1, 0, '', outOfScopeMeaning(d.outOfScopeReason));
  if (d.referTo.length > 0)
    lines.push('', `See policy ${d.referTo.map((r) => `#${r}`).join(', ')}.`);
  return {
    uuid: i.newId(),
    summary: summary(
      `${i.payerLabel}: ${i.orderPhrase} ${OUTCOME_PHRASE[d.outcome]}${basis}${d.policy.number ? `, policy #${d.policy.number}` : ''}`,
    ),
    detail: lines.join('\n'),
    indicator: 'info',
    source: source(i.payerLabel, 'coverage-info', i.version),
    extension: { 'davinci-crd.associated-resource': [{ reference: i.orderReference }] },
  };
}

/** An External Reference card: one absolute link to the policy, no suggestions. */
export function externalReferenceCard(i: CardInputs): Json | undefined {
  const d = i.determination;
  if (!d.policy || !i.policyUrl) return undefined;
  return {
    uuid: i.newId(),
    summary: summary(`Read ${i.payerLabel} policy ${policyTitle(d)}`),
    detail: `The policy that decided **${i.orderLabel}**, version ${d.policy.version}.`,
    indicator: 'info',
    source: { ...source(i.payerLabel, 'guideline', i.version), url: i.policyUrl },
    links: [
      {
        label: summary(`${i.payerLabel} policy ${policyTitle(d)}`),
        url: i.policyUrl,
        type: 'absolute',
      },
    ],
    extension: { 'davinci-crd.associated-resource': [{ reference: i.orderReference }] },
  };
}

/** The web UI's Check page for one coverage assertion: it asks the open questions in place. */
export function checkPageUrl(publicUrl: string, assertionId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#/check?context=${encodeURIComponent(assertionId)}`;
}

/**
 * A card naming the facts coverage still turns on, each with the policy's words, and one absolute
 * link to the Check page that asks them. Under CRD 2.2 DTR is launched from coverage-information
 * (cards.md: SMART links no longer launch DTR), so the link is to this server's own page.
 */
export function questionsCard(
  i: CardInputs & { publicUrl: string; assertionId: string },
): Json | undefined {
  const d = i.determination;
  const questions = d.questions ?? [];
  if (!d.policy || questions.length === 0) return undefined;
  const n = questions.length;
  const lines = [
    `Coverage of **${i.orderLabel}** under ${i.payerLabel} policy ${policyTitle(d)} (version ${d.policy.version}) turns on ${n === 1 ? 'one question' : `${n} questions`}:`,
  ];
  for (const q of questions) {
    lines.push('', `- ${q.text}`);
    const quote = q.reason.citation?.quote;
    if (quote) lines.push(`  > ${quote.replace(/\n+/g, ' ')}`);
  }
  return {
    uuid: i.newId(),
    summary: summary(
      `${i.payerLabel}: ${n} ${n === 1 ? 'question decides' : 'questions decide'} coverage of ${i.orderPhrase}`,
    ),
    detail: lines.join('\n'),
    indicator: 'info',
    source: source(i.payerLabel, 'coverage-info', i.version),
    links: [
      {
        label: summary(`Answer the ${n === 1 ? 'question' : 'questions'} for ${i.orderPhrase}`),
        url: checkPageUrl(i.publicUrl, i.assertionId),
        type: 'absolute',
      },
    ],
    extension: { 'davinci-crd.associated-resource': [{ reference: i.orderReference }] },
  };
}
