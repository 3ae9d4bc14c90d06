// Reading the generated Questionnaires by id and by canonical (docs/design/dtr-19.md §A.3, §A.5):
// DTR clients resolve `coverage-information.questionnaire` and the package's `questionnaire`
// input. Every form is generated on demand from the compiled set; nothing is stored.
import type { CompiledPolicy, CompiledVersion } from '../../model/compiled-policy.js';
import { questionsOfVersion } from '../../questions/questions.js';
import type { DecisionContext } from '../../service/load-context.js';
import type { Json } from '../cdshooks/fhir.js';
import { refusal, type DtrResult } from './operation-deps.js';
import {
  adaptiveSearchQuestionnaire,
  fhirBase,
  questionnaireVersion,
  standardFormId,
  standardQuestionnaire,
  type FormSource,
  type Questionnaire,
} from './questionnaire.js';

export interface ReadDeps {
  ctx: DecisionContext;
  publicUrl: string;
  /** Today (YYYY-MM-DD): which version is in force. */
  today: string;
}

type Form = { policy: CompiledPolicy; standard: boolean };

function formOfId(ctx: DecisionContext, id: string): Form | undefined {
  for (const policy of ctx.policySet.policies) {
    if (id === policy.id) return { policy, standard: false };
    if (id === standardFormId(policy.id)) return { policy, standard: true };
  }
  return undefined;
}

/** The version in force on a date: the last that took effect by then (ISO dates compare as text). */
function versionInForce(policy: CompiledPolicy, date: string): CompiledVersion | undefined {
  return policy.versions.filter((v) => v.effectiveFrom <= date).at(-1);
}

/** The form of one version, or undefined when that version asks nothing. */
function build(form: Form, version: CompiledVersion, deps: ReadDeps): Questionnaire | undefined {
  const groups = questionsOfVersion(version);
  if (groups.length === 0) return undefined;
  const src: FormSource = {
    policy: form.policy,
    version,
    revision: deps.ctx.policySet.revision,
    publicUrl: deps.publicUrl,
  };
  return form.standard ? standardQuestionnaire(src, groups) : adaptiveSearchQuestionnaire(src);
}

/** `GET Questionnaire/{id}`: the form of the version in force today. */
export function readQuestionnaire(id: string, deps: ReadDeps): DtrResult {
  const form = formOfId(deps.ctx, id);
  if (!form)
    return refusal(
      404,
      'not-found',
      `no Questionnaire ${id}: the forms are Questionnaire/{policy} (adaptive) and Questionnaire/{policy}-form (standard), for the policies of GET /v1/policies`,
    );
  const version = versionInForce(form.policy, deps.today);
  const q = version ? build(form, version, deps) : undefined;
  if (!q)
    return refusal(
      404,
      'not-found',
      `policy ${form.policy.id} ${version ? `version ${version.id} (in force ${deps.today}) asks no question` : `has no version in force on ${deps.today}`}, so it has no Questionnaire`,
    );
  return { status: 200, body: q };
}

function searchset(found: readonly Questionnaire[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: found.length,
    entry: found.map((q) => ({ fullUrl: q.url, resource: q, search: { mode: 'match' } })),
  };
}

/**
 * `GET Questionnaire?url=…&version=…`: a searchset. `version` is the form's version
 * (`{policyVersion}+r.{revision}`, this revision only: an older revision's data is gone) or the
 * policy version alone; without it, the version in force. Without `url`, every form in force.
 */
export function searchQuestionnaires(
  query: { url?: string | undefined; version?: string | undefined },
  deps: ReadDeps,
): DtrResult {
  const base = `${fhirBase(deps.publicUrl)}/Questionnaire/`;
  let url = query.url;
  let version = query.version;
  if (url?.includes('|')) {
    if (version !== undefined)
      return refusal(
        400,
        'invalid',
        'give the version either in url (url|version) or as version, not both',
        'url',
      );
    [url, version] = url.split('|', 2) as [string, string];
  }
  const forms: Form[] = [];
  if (url === undefined)
    for (const policy of deps.ctx.policySet.policies)
      forms.push({ policy, standard: false }, { policy, standard: true });
  else {
    const form = url.startsWith(base) ? formOfId(deps.ctx, url.slice(base.length)) : undefined;
    if (form) forms.push(form);
  }
  const found: Questionnaire[] = [];
  for (const form of forms) {
    const v =
      version === undefined
        ? versionInForce(form.policy, deps.today)
        : form.policy.versions.find(
            (x) =>
              version === x.id ||
              version === questionnaireVersion(x.id, deps.ctx.policySet.revision),
          );
    const q = v ? build(form, v, deps) : undefined;
    if (q) found.push(q);
  }
  return { status: 200, body: searchset(found) };
}
