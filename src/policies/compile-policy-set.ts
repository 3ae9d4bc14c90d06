import { createHash } from 'node:crypto';
import type { Document, LineCounter, YAMLError } from 'yaml';
import { isCalendarDate } from '../model/calendar-date.js';
import type {
  CompiledCode,
  CompiledCondition,
  CompiledFactAnswer,
  CompiledFactEffect,
  CompiledFactRule,
  CompiledExclusion,
  CompiledNotice,
  CompiledPolicy,
  CompiledPolicySet,
  CompiledPriorAuthRule,
  CompiledProductRule,
  CompiledSilence,
  CompiledStatement,
  CompiledVersion,
  FamilyIndex,
  ScopeTable,
} from '../model/compiled-policy.js';
import { LINES_OF_BUSINESS, ROUTES, type Route } from '../model/vocabulary.js';
import type { CitationV1, ReasonV1 } from '../model/determination.js';
import type { Condition, PolicyFactEffect, PolicyFile } from '../model/policy.js';
import type { FactEntry } from '../model/facts.js';
import { isDeepStrictEqual } from 'node:util';
import { closest } from '../model/suggest.js';
import { classifyProcedureCode, normalizeIcd10cm } from '../terminology/code-format.js';
import { dayBefore } from '../terminology/code-system.js';
import type { Terminology } from '../terminology/terminology.js';
import { productsShadowed } from './rule-shadowing.js';
import {
  CONTINUES,
  endsWhereSourceDoes,
  indexSource,
  locateQuote,
  type SourceText,
} from './quote-locator.js';
import { statementCoversDrug } from '../engine/criteria/drug-in-scope.js';
import { policyFileValidator, schemaIssues, type SchemaIssue } from '../model/file-validators.js';
import { yamlPackage } from '../lazy-packages.js';
import { prebuiltYaml } from '../prebuilt-yaml.js';
import { freezeSharedParts } from '../model/deep-freeze.js';

// The policy compiler: policy files → an indexed, quote-verified, date-checked policy set.
// Every stage reports every problem it finds, with the file and line, before anything is used.

export interface PolicyProblem {
  code:
    | 'yaml-syntax'
    | 'schema'
    | 'unknown-reference'
    | 'quote-not-in-source'
    | 'quote-cut-short'
    | 'missing-source'
    | 'dates'
    | 'duplicate-id'
    | 'conflict'
    | 'rule';
  file: string;
  line?: number;
  message: string;
}

export class PolicySetError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(
      `${problems.length} problem(s) in the policy files:\n` +
        problems
          .map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.code}: ${p.message}`)
          .join('\n'),
    );
    this.name = 'PolicySetError';
  }
}

export interface PolicyInput {
  /** Repository-relative path, e.g. policies/bcbsma/291.yaml */
  path: string;
  text: string;
}

export interface CompileInputs {
  policies: PolicyInput[];
  /** Source documents by path relative to policies/ (e.g. sources/bcbsma-291.txt). */
  sources: Map<string, string>;
  /** Value-set and other inputs that decide outcomes, hashed into the revision. */
  otherInputs: PolicyInput[];
}

const VERDICT_TEXT = {
  covered: 'Covered',
  investigational: 'Investigational',
  'not-medically-necessary': 'Not medically necessary',
  'not-covered': 'Not covered',
  refer: 'Decided by another policy',
} as const;

type Path = (string | number)[];

export function compilePolicySet(
  inputs: CompileInputs,
  terminology: Terminology,
): CompiledPolicySet {
  const problems: PolicyProblem[] = [];
  const sourceIndex = new Map<string, SourceText>();
  const policies: CompiledPolicy[] = [];
  const ids = new Map<string, string>();

  for (const input of inputs.policies) {
    const compiled = compileOne(input, inputs.sources, sourceIndex, terminology, problems);
    if (!compiled) continue;
    const clash = ids.get(compiled.id);
    if (clash)
      problems.push({
        code: 'duplicate-id',
        file: input.path,
        message: `policy id "${compiled.id}" is also used by ${clash}`,
      });
    ids.set(compiled.id, input.path);
    policies.push(compiled);
  }
  if (problems.length > 0) throw new PolicySetError(problems);

  const byPayer = new Map<string, CompiledPolicy[]>();
  for (const p of policies)
    for (const payer of p.payers) byPayer.set(payer, [...(byPayer.get(payer) ?? []), p]);
  const payers = [...byPayer.keys()].sort();
  return freezeSharedParts({ revision: revisionOf(inputs), payers, byPayer, policies });
}

function revisionOf(inputs: CompileInputs): string {
  const h = createHash('sha256');
  const all = [
    ...inputs.policies,
    ...inputs.otherInputs,
    ...[...inputs.sources].map(([path, text]) => ({ path: `policies/${path}`, text })),
  ].sort((a, b) => a.path.localeCompare(b.path));
  for (const f of all) h.update(f.path).update('\0').update(f.text).update('\0');
  return h.digest('hex').slice(0, 16);
}

interface ParsedPolicyFile {
  doc: Document;
  lineCounter: LineCounter;
}

function parsePolicyFile(text: string): ParsedPolicyFile {
  const yaml = yamlPackage();
  const lineCounter = new yaml.LineCounter();
  return { doc: yaml.parseDocument(text, { lineCounter, prettyErrors: false }), lineCounter };
}

/**
 * Stages parse and schema of one policy file: its data, or what is wrong with it. The build's
 * prebuilt files (scripts/prebuild-yaml.ts) are those this accepts.
 */
function checkedPolicyFile(
  parsed: ParsedPolicyFile,
): { data: PolicyFile } | { syntax: YAMLError[] } | { schema: SchemaIssue[] } {
  if (parsed.doc.errors.length > 0) return { syntax: parsed.doc.errors };
  const data: unknown = parsed.doc.toJS();
  const validate = policyFileValidator();
  return validate(data) ? { data } : { schema: schemaIssues(validate.errors) };
}

/** Stages parse and schema of a policy file's text, for the build's prebuilt files. */
export function checkedPolicyText(text: string): ReturnType<typeof checkedPolicyFile> {
  return checkedPolicyFile(parsePolicyFile(text));
}

function compileOne(
  input: PolicyInput,
  sources: Map<string, string>,
  sourceIndex: Map<string, SourceText>,
  terminology: Terminology,
  problems: PolicyProblem[],
): CompiledPolicy | undefined {
  const file = input.path;
  // Stages parse and schema. The syntax tree is only needed for the lines of problems, and a
  // file whose text was prebuilt passed both stages at build time: it is parsed only if a later
  // stage has a problem to report.
  let parsed: ParsedPolicyFile | undefined;
  const tree = () => (parsed ??= parsePolicyFile(input.text));
  const lineAt = (path: Path): number | undefined => {
    const { doc, lineCounter } = tree();
    for (let p = path; p.length >= 0; p = p.slice(0, -1)) {
      const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
      if (p.length === 0) return undefined;
    }
    return undefined;
  };
  const report = (code: PolicyProblem['code'], path: Path, message: string) => {
    const line = lineAt(path);
    problems.push(line === undefined ? { code, file, message } : { code, file, line, message });
  };

  let data = prebuiltYaml('policy', input.text) as PolicyFile | undefined;
  if (data === undefined) {
    const checked = checkedPolicyFile(tree());
    if ('syntax' in checked) {
      for (const e of checked.syntax)
        problems.push({
          code: 'yaml-syntax',
          file,
          line: tree().lineCounter.linePos(e.pos[0]).line,
          message: e.message,
        });
      return undefined;
    }
    if ('schema' in checked) {
      for (const issue of checked.schema) {
        report(
          'schema',
          issue.path
            .split('/')
            .filter(Boolean)
            .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
          `${issue.path}: ${issue.message}`,
        );
      }
      return undefined;
    }
    data = checked.data;
  }
  const policy: PolicyFile = data;
  const before = problems.length;

  // Stage: source and quotes.
  const sourceText = sources.get(policy.source.file);
  if (sourceText === undefined) {
    report(
      'missing-source',
      ['source', 'file'],
      `source document "${policy.source.file}" not found under policies/`,
    );
    return undefined;
  }
  let source = sourceIndex.get(policy.source.file);
  if (!source)
    sourceIndex.set(
      policy.source.file,
      (source = indexSource(`policies/${policy.source.file}`, sourceText)),
    );
  const citeAll = (quote: string | string[], path: Path): CitationV1[] =>
    (Array.isArray(quote) ? quote : [quote]).map((q, i) => {
      const line = locateQuote(source!, q);
      const where = Array.isArray(quote) ? [...path, i] : path;
      if (line === undefined) {
        report(
          'quote-not-in-source',
          where,
          `quote not found in ${policy.source.file}: "${q.length > 90 ? q.slice(0, 90) + '…' : q}"`,
        );
      } else if (!endsWhereSourceDoes(source!, q)) {
        report(
          'quote-cut-short',
          where,
          `quote ends mid-sentence in ${policy.source.file}: "…${q.slice(-60)}" (a ' #' in a plain YAML string starts a comment: put the quote in quotes; if it stops there on purpose, end it with " ${CONTINUES}")`,
        );
      }
      return { source: `${source!.path}#L${line ?? 0}`, quote: q, line: line ?? 0 };
    });
  const reasonsFor = (
    text: string,
    quote: string | string[],
    path: Path,
    rule: string,
  ): ReasonV1[] =>
    citeAll(quote, path).map((citation, i) => ({
      text: i === 0 ? text : `${text} (continued)`,
      citation,
      rule,
    }));

  // Stage: resolve references.
  const families = terminology.indications.families;
  const checkIndications = (list: string[], path: Path) =>
    list.forEach((id, i) => {
      if (!families.has(id))
        report(
          'unknown-reference',
          [...path, i],
          `unknown indication family "${id}" (see policies/valuesets/indications.yaml)`,
        );
    });
  const checkCondition = (c: Condition, path: Path) =>
    c.payer?.forEach((p, i) => {
      if (!policy.payers.includes(p))
        report(
          'unknown-reference',
          [...path, 'payer', i],
          `payer "${p}" is not one of this policy's payers (${policy.payers.join(', ')})`,
        );
    });
  policy.statements.forEach((s, i) => {
    const path: Path = ['statements', i];
    checkIndications(s.indications, [...path, 'indications']);
    s.drugs.names?.forEach((n, j) => {
      if (!terminology.drugs.resolve(n))
        report(
          'unknown-reference',
          [...path, 'drugs', 'names', j],
          `unknown drug "${n}" (see policies/valuesets/drugs.yaml)`,
        );
    });
    s.drugs.classes?.forEach((c, j) => {
      if (!terminology.drugs.classes.has(c))
        report('unknown-reference', [...path, 'drugs', 'classes', j], `unknown drug class "${c}"`);
    });
    if (!s.drugs.names && !s.drugs.classes)
      report('rule', [...path, 'drugs'], 'a statement must name drugs or drug classes');
    if ((s.verdict === 'refer') !== (s.referTo !== undefined))
      report('rule', path, 'a "refer" verdict needs referTo, and only it may have one');
  });
  policy.exclusions?.forEach((e, i) =>
    checkIndications(e.indications, ['exclusions', i, 'indications']),
  );
  policy.silences?.forEach((x, i) => {
    if (x.indications) checkIndications(x.indications, ['silences', i, 'indications']);
    if (x.when) checkCondition(x.when, ['silences', i, 'when']);
    if (!x.indications && !x.when)
      report(
        'rule',
        ['silences', i],
        'a silence must name indications or a product condition (when)',
      );
  });
  policy.products.rules.forEach((r, i) => {
    checkCondition(r.when, ['products', 'rules', i, 'when']);
    if ((r.effect === 'conditional') !== (r.basis !== undefined))
      report(
        'rule',
        ['products', 'rules', i],
        'a conditional product rule needs a basis, and only it may have one',
      );
    if (r.basis !== undefined && !terminology.bases.get(r.basis))
      report(
        'unknown-reference',
        ['products', 'rules', i, 'basis'],
        `unknown basis "${r.basis}": add it to policies/valuesets/bases.yaml, which lists ${terminology.bases.ids.join(', ')}`,
      );
    if (r.facts && r.effect !== 'conditional')
      report(
        'rule',
        ['products', 'rules', i, 'facts'],
        `facts are asked only on a conditional rule; rule "${r.id}" is ${r.effect}`,
      );
    const seenFacts = new Set<string>();
    r.facts?.forEach((f, j) => {
      const path: Path = ['products', 'rules', i, 'facts', j];
      if (!terminology.facts.get(f.fact)) {
        const guess = closest(f.fact, terminology.facts.ids);
        report(
          'unknown-reference',
          [...path, 'fact'],
          `unknown fact "${f.fact}"${guess ? ` (did you mean "${guess}"?)` : ''}: add it to policies/valuesets/facts.yaml, which lists ${terminology.facts.ids.join(', ')}`,
        );
      }
      if (seenFacts.has(f.fact))
        report(
          'duplicate-id',
          [...path, 'fact'],
          `fact "${f.fact}" is listed twice in rule "${r.id}"`,
        );
      seenFacts.add(f.fact);
      for (const key of ['whenYes', 'whenNo'] as const) {
        const e = f[key];
        if (typeof e === 'object' && !terminology.bases.get(e.basis))
          report(
            'unknown-reference',
            [...path, key, 'basis'],
            `unknown basis "${e.basis}": add it to policies/valuesets/bases.yaml, which lists ${terminology.bases.ids.join(', ')}`,
          );
      }
      if (isDeepStrictEqual(f.whenYes, f.whenNo))
        report(
          'rule',
          [...path, 'whenNo'],
          `whenYes and whenNo of fact "${f.fact}" do the same: the answer would change nothing, so the fact need not be asked`,
        );
    });
  });
  policy.priorAuth.rules.forEach((r, i) =>
    checkCondition(r.when, ['priorAuth', 'rules', i, 'when']),
  );
  policy.codes?.forEach((c, i) => {
    const ok =
      c.system === 'icd10cm'
        ? normalizeIcd10cm(c.code) !== undefined
        : classifyProcedureCode(c.code)?.system === c.system;
    if (!ok)
      report(
        'unknown-reference',
        ['codes', i, 'code'],
        `"${c.code}" is not a well-formed ${c.system} code`,
      );
  });
  for (const [list, path] of [
    [policy.versions, ['versions']],
    [policy.statements, ['statements']],
    [policy.exclusions ?? [], ['exclusions']],
    [policy.silences ?? [], ['silences']],
    [policy.products.rules, ['products', 'rules']],
    [policy.priorAuth.rules, ['priorAuth', 'rules']],
    [policy.notices ?? [], ['notices']],
  ] as const) {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      if (seen.has(item.id))
        report(
          'duplicate-id',
          [...path, i, 'id'],
          `id "${item.id}" is used twice in ${path.join('.')}`,
        );
      seen.add(item.id);
    });
  }

  // Stage: dates. Items switch on and off only at version boundaries, so each version is one
  // consistent snapshot and "which version decided" is always a single answer.
  const versions = policy.versions;
  versions.forEach((v, i) => {
    if (!isCalendarDate(v.effectiveFrom))
      report(
        'dates',
        ['versions', i, 'effectiveFrom'],
        `${v.effectiveFrom} is not a calendar date`,
      );
    if (i > 0 && v.effectiveFrom <= versions[i - 1]!.effectiveFrom)
      report(
        'dates',
        ['versions', i, 'effectiveFrom'],
        'versions must be listed in increasing effectiveFrom order',
      );
  });
  const starts = new Set(versions.map((v) => v.effectiveFrom));
  const ends = new Set(versions.slice(1).map((v) => dayBefore(v.effectiveFrom)));
  const checkDated = (item: { from?: string; to?: string }, path: Path) => {
    if (item.from !== undefined && !starts.has(item.from))
      report(
        'dates',
        [...path, 'from'],
        `from ${item.from} is not the effectiveFrom of any version`,
      );
    if (item.to !== undefined && !ends.has(item.to))
      report(
        'dates',
        [...path, 'to'],
        `to ${item.to} is not the day before any later version's effectiveFrom`,
      );
    if (item.from !== undefined && item.to !== undefined && item.to < item.from)
      report('dates', path, `to ${item.to} is before from ${item.from}`);
  };
  const datedLists = [
    ['statements', policy.statements],
    ['exclusions', policy.exclusions ?? []],
    ['silences', policy.silences ?? []],
    ['codes', policy.codes ?? []],
    ['relatedPolicies', policy.relatedPolicies ?? []],
    ['notices', policy.notices ?? []],
  ] as const;
  for (const [name, list] of datedLists) list.forEach((item, i) => checkDated(item, [name, i]));
  policy.products.rules.forEach((r, i) => checkDated(r, ['products', 'rules', i]));
  policy.priorAuth.rules.forEach((r, i) => checkDated(r, ['priorAuth', 'rules', i]));

  // Build the reasons once; the request path only picks them up.
  const statements = policy.statements.map((s, i) => ({
    raw: s,
    compiled: {
      id: s.id,
      verdict: s.verdict,
      referTo: Object.freeze(s.referTo ?? []),
      drugNames: s.drugs.names
        ? new Set(s.drugs.names.map((n) => terminology.drugs.resolve(n)?.id ?? n))
        : undefined,
      drugClasses: s.drugs.classes ? new Set(s.drugs.classes) : undefined,
      routes: new Set(s.routes),
      indications: s.indications,
      reasons: reasonsFor(
        statementText(s, terminology),
        s.quote,
        ['statements', i, 'quote'],
        `statement:${s.id}`,
      ),
    } satisfies CompiledStatement,
  }));
  const exclusions = (policy.exclusions ?? []).map((e, i) => ({
    raw: e,
    compiled: {
      id: e.id,
      indications: e.indications,
      // The quote says what the policy sets aside or mentions; the text claims no more than that
      // no statement decides the family (a quote about "terminal cancer pain" by "continuous"
      // infusion is not a statement about every neoplasm-related pain).
      reasons: reasonsFor(
        `No statement of the policy decides ${e.indications.map((f) => families.get(f)?.label.toLowerCase() ?? f).join(', ')}; the policy mentions it only as quoted.`,
        e.quote,
        ['exclusions', i, 'quote'],
        `exclusion:${e.id}`,
      ),
    } satisfies CompiledExclusion,
  }));
  const silences = (policy.silences ?? []).map((x, i) => ({
    raw: x,
    compiled: {
      id: x.id,
      when: x.when ? compileCondition(x.when) : undefined,
      indications: x.indications,
      about: x.about,
      reasons: reasonsFor(
        `The text does not say ${x.about}.`,
        x.quote,
        ['silences', i, 'quote'],
        `silence:${x.id}`,
      ),
    } satisfies CompiledSilence,
  }));
  const productRules = policy.products.rules.map((r, i) => ({
    raw: r,
    compiled: {
      id: r.id,
      when: compileCondition(r.when),
      effect: r.effect,
      basis: r.basis || undefined,
      reasons: reasonsFor(
        productText(r.effect, r.basis, terminology),
        r.quote,
        ['products', 'rules', i, 'quote'],
        `product:${r.id}`,
      ),
      facts: r.facts
        ? Object.freeze(
            r.facts.map((f, j) => {
              const entry = terminology.facts.get(f.fact) ?? {
                id: f.fact,
                question: f.fact,
                yesText: 'yes',
                noText: 'no',
                audience: 'admin' as const,
              };
              const path: Path = ['products', 'rules', i, 'facts', j];
              const citations = citeAll(f.quote, [...path, 'quote']);
              const answer = (value: boolean, e: PolicyFactEffect): CompiledFactAnswer => {
                const effect = factEffect(e);
                const text = factAnswerText(
                  value ? entry.yesText : entry.noText,
                  effect,
                  terminology,
                );
                const reasons = Object.freeze(
                  citations.map((citation, k) =>
                    Object.freeze({
                      text: k === 0 ? text : `${text} (continued)`,
                      citation,
                      rule: `fact:${f.fact}`,
                    }),
                  ),
                );
                return Object.freeze({
                  value,
                  effect,
                  reasons,
                  trace: `fact ${f.fact} = ${value} (request) → ${effect.kind === 'not-covered' ? `not-covered (${effect.basis})` : effect.kind}`,
                });
              };
              const rule: CompiledFactRule = {
                fact: f.fact,
                missing: `facts.${f.fact}`,
                requestField: entry.requestField,
                question: Object.freeze({
                  id: `facts.${f.fact}`,
                  fact: f.fact,
                  text: f.question ?? entry.question,
                  answers: Object.freeze({ yes: entry.yesText, no: entry.noText }),
                  reason: Object.freeze({
                    text: productText(r.effect, r.basis, terminology),
                    citation: citations[0]!,
                    rule: `fact:${f.fact}`,
                  }),
                  rule: `product:${r.id}`,
                }),
                yes: answer(true, f.whenYes),
                no: answer(false, f.whenNo),
              };
              return Object.freeze(rule);
            }),
          )
        : undefined,
    } satisfies CompiledProductRule,
  }));
  const paRules = policy.priorAuth.rules.map((r, i) => ({
    raw: r,
    compiled: {
      id: r.id,
      when: compileCondition(r.when),
      priorAuth: r.priorAuth,
      reasons: reasonsFor(
        `Prior authorization: ${r.priorAuth}.`,
        r.quote,
        ['priorAuth', 'rules', i, 'quote'],
        `prior-auth:${r.id}`,
      ),
    } satisfies CompiledPriorAuthRule,
  }));
  const paDefaultReasons = policy.priorAuth.defaultQuote
    ? reasonsFor(
        `Prior authorization: ${policy.priorAuth.default}.`,
        policy.priorAuth.defaultQuote,
        ['priorAuth', 'defaultQuote'],
        'prior-auth:default',
      )
    : [];
  const codes = (policy.codes ?? []).map((c, i) => ({
    raw: c,
    compiled: {
      system: c.system,
      code: c.system === 'icd10cm' ? (normalizeIcd10cm(c.code) ?? c.code) : c.code,
      reasons: reasonsFor(
        `The policy lists ${c.system.toUpperCase()} ${c.code}.`,
        c.quote,
        ['codes', i, 'quote'],
        `code:${c.code}`,
      ),
    } satisfies CompiledCode,
  }));
  const notices = (policy.notices ?? []).map((n, i) => ({
    raw: n,
    compiled: {
      id: n.id,
      outcomes: n.outcomes ? new Set<string>(n.outcomes) : undefined,
      when: n.when ? compileCondition(n.when) : undefined,
      notices: citeAll(n.quote, ['notices', i, 'quote']).map((citation) => ({
        kind: n.kind,
        text: citation.quote,
        citation,
      })),
    } satisfies CompiledNotice,
  }));
  const related = (policy.relatedPolicies ?? []).map((r, i) => ({
    ...(r.number ? { number: r.number } : {}),
    title: r.title,
    reasons: reasonsFor(
      `Related policy: ${r.title}.`,
      r.quote,
      ['relatedPolicies', i, 'quote'],
      `related:${r.number ?? r.title}`,
    ),
  }));
  const compiledVersions: CompiledVersion[] = versions.map((v, i) => {
    const next = versions[i + 1];
    const activeIn = <T extends { raw: { from?: string; to?: string } }>(items: T[]) =>
      items.filter(
        ({ raw }) =>
          (raw.from ?? versions[0]!.effectiveFrom) <= v.effectiveFrom &&
          (raw.to === undefined || raw.to >= v.effectiveFrom),
      );
    const title =
      v.title ?? [...versions.slice(0, i)].reverse().find((p) => p.title)?.title ?? policy.title;
    const vStatements = activeIn(statements).map((s) => s.compiled);
    const vExclusions = activeIn(exclusions).map((e) => e.compiled);
    const vCodes = activeIn(codes).map((c) => c.compiled);
    const ref = {
      id: policy.id,
      title,
      ...(policy.number ? { number: policy.number } : {}),
      version: v.id,
      effectiveFrom: v.effectiveFrom,
      ...(next ? { effectiveTo: dayBefore(next.effectiveFrom) } : {}),
    };
    return {
      id: v.id,
      effectiveFrom: v.effectiveFrom,
      effectiveTo: next ? dayBefore(next.effectiveFrom) : undefined,
      title,
      textAvailable: v.textAvailable !== false,
      changeReasons: reasonsFor(
        `Version ${v.id}, in force from ${v.effectiveFrom}.`,
        v.change,
        ['versions', i, 'change'],
        `version:${v.id}`,
      ),
      ref,
      statements: vStatements,
      exclusions: vExclusions,
      productRules: activeIn(productRules).map((r) => r.compiled),
      silences: activeIn(silences).map((x) => x.compiled),
      priorAuthRules: activeIn(paRules).map((r) => r.compiled),
      priorAuthDefault: policy.priorAuth.default,
      priorAuthDefaultReasons: paDefaultReasons,
      codes: vCodes,
      codeIndex: new Map(vCodes.map((c) => [c.code, c])),
      notices: activeIn(notices).map((n) => n.compiled),
      facts: factsUsed(
        activeIn(productRules).map((r) => r.compiled),
        activeIn(paRules).map((r) => r.compiled),
        activeIn(notices).map((n) => n.compiled),
        activeIn(silences).map((x) => x.compiled),
        terminology.facts.list,
      ),
      byFamily: indexFamilies(vStatements, vExclusions, terminology),
      scope: scopeTable(vStatements, terminology),
    };
  });

  // Stage: conflicts. Two statements in one version that reach the same drug, route and
  // indication must agree, or the answer would depend on their order in the file.
  for (const v of compiledVersions) {
    for (const [family, idx] of v.byFamily) {
      const ss = idx.statements;
      for (let a = 0; a < ss.length; a++) {
        for (let b = a + 1; b < ss.length; b++) {
          const s1 = ss[a]!;
          const s2 = ss[b]!;
          if (s1.verdict === s2.verdict) continue;
          const sharedRoute = [...s1.routes].some((r) => s2.routes.has(r));
          const sharedDrug = [...terminology.drugs.drugs.values()].some(
            (d) =>
              statementCoversDrug(s1, d.id, d.classes) && statementCoversDrug(s2, d.id, d.classes),
          );
          if (sharedRoute && sharedDrug) {
            problems.push({
              code: 'conflict',
              file,
              message: `version ${v.id}: statements "${s1.id}" and "${s2.id}" give different verdicts for ${family}`,
            });
          }
        }
      }
    }
  }
  // Prior-auth rules are tried in file order: a rule that an earlier one always pre-empts, for
  // some product, is text the engine would never apply ("not required for Medicare Supplement"
  // after "required if Medicare is primary", which every Supplement member is).
  for (const v of compiledVersions) {
    const rules = v.priorAuthRules;
    for (let a = 0; a < rules.length; a++) {
      for (let b = a + 1; b < rules.length; b++) {
        const earlier = rules[a]!;
        const later = rules[b]!;
        if (earlier.priorAuth === later.priorAuth) continue;
        const shadowed = productsShadowed(earlier.when, later.when, LINES_OF_BUSINESS);
        if (shadowed.length === 0) continue;
        problems.push({
          code: 'conflict',
          file,
          message: `version ${v.id}: prior-auth rule "${later.id}" never decides for ${shadowed.join(', ')} members: "${earlier.id}", tried first, holds for every such request; put the rule that names the product first`,
        });
      }
    }
  }
  if (problems.length > before) return undefined;

  return {
    id: policy.id,
    number: policy.number || undefined,
    title: policy.title,
    payers: policy.payers,
    sourcePath: `policies/${policy.source.file}`,
    publisher: policy.source.publisher,
    asOf: policy.source.asOf,
    nextReview: policy.source.nextReview
      ? {
          by: policy.source.nextReview.by,
          reasons: reasonsFor(
            `The source names its next review: by ${policy.source.nextReview.by}.`,
            policy.source.nextReview.quote,
            ['source', 'nextReview', 'quote'],
            'source:next-review',
          ),
        }
      : undefined,
    productDefault: policy.products.default,
    relatedPolicies: related,
    versions: compiledVersions,
    file: input.path,
  };
}

function indexFamilies(
  statements: CompiledStatement[],
  exclusions: CompiledExclusion[],
  terminology: Terminology,
): Map<string, FamilyIndex> {
  const out = new Map<string, FamilyIndex>();
  for (const family of terminology.indications.families.keys()) {
    const lineage = terminology.indications.lineage(family);
    const s = statements.filter((st) => st.indications.some((i) => lineage.has(i)));
    const e = exclusions.filter((ex) => ex.indications.some((i) => lineage.has(i)));
    if (s.length > 0 || e.length > 0) {
      out.set(family, {
        statements: s,
        exclusions: e,
        exclusionReasons: Object.freeze(e.flatMap((x) => x.reasons)),
      });
    }
  }
  return out;
}

function scopeTable(statements: CompiledStatement[], terminology: Terminology): ScopeTable {
  const table = new Map<string, Map<Route, Map<string, CompiledStatement[]>>>();
  for (const drug of terminology.drugs.drugs.values()) {
    const forDrug = statements.filter((s) => statementCoversDrug(s, drug.id, drug.classes));
    if (forDrug.length === 0) continue;
    const byRoute = new Map<Route, Map<string, CompiledStatement[]>>();
    for (const route of ROUTES) {
      const forRoute = forDrug.filter((s) => s.routes.has(route));
      if (forRoute.length === 0) continue;
      const byFamily = new Map<string, CompiledStatement[]>();
      for (const family of terminology.indications.families.keys()) {
        const lineage = terminology.indications.lineage(family);
        const hits = forRoute.filter((s) => s.indications.some((i) => lineage.has(i)));
        if (hits.length > 0) byFamily.set(family, hits);
      }
      byRoute.set(route, byFamily);
    }
    table.set(drug.id, byRoute);
  }
  return table;
}

function factEffect(e: PolicyFactEffect): CompiledFactEffect {
  if (e === 'covered') return Object.freeze({ kind: 'covered' });
  if (e === 'policy') return Object.freeze({ kind: 'policy' });
  return Object.freeze({ kind: 'not-covered', basis: e.basis });
}

/** The sentence of an answer: what it does, then what it means. */
function factAnswerText(
  meaning: string,
  effect: CompiledFactEffect,
  terminology: Terminology,
): string {
  if (effect.kind === 'covered') return `Covered: ${meaning}.`;
  if (effect.kind === 'not-covered')
    return `Not covered (${terminology.bases.label(effect.basis)}): ${meaning}.`;
  return `${meaning.charAt(0).toUpperCase()}${meaning.slice(1)}, so this policy's own statements decide.`;
}

/**
 * The facts a version uses, in policy order: its product rules' facts, then the facts that spell
 * a request field one of its conditions names.
 */
function factsUsed(
  products: readonly CompiledProductRule[],
  priorAuth: readonly CompiledPriorAuthRule[],
  notices: readonly CompiledNotice[],
  silences: readonly CompiledSilence[],
  vocabulary: readonly FactEntry[],
): ReadonlySet<string> {
  const used = new Set<string>();
  for (const r of products) for (const f of r.facts ?? []) used.add(f.fact);
  const conditions = [
    ...products.map((r) => r.when),
    ...priorAuth.map((r) => r.when),
    ...notices.flatMap((n) => (n.when ? [n.when] : [])),
    ...silences.flatMap((x) => (x.when ? [x.when] : [])),
  ];
  for (const f of vocabulary) {
    if (f.requestField && conditions.some((c) => c[f.requestField!] !== undefined)) used.add(f.id);
  }
  return used;
}

// Every field, in one order: one shape for every condition (see model/compiled-policy.ts).
function compileCondition(c: Condition): CompiledCondition {
  return {
    payer: c.payer ? new Set(c.payer) : undefined,
    lineOfBusiness: c.lineOfBusiness ? new Set(c.lineOfBusiness) : undefined,
    planType: c.planType ? new Set(c.planType) : undefined,
    setting: c.setting ? new Set(c.setting) : undefined,
    medicarePrimary: c.medicarePrimary,
    providerParticipating: c.providerParticipating,
    homePlan: c.homePlan,
    groupPolicy: c.groupPolicy,
  };
}

function statementText(s: PolicyFile['statements'][number], terminology: Terminology): string {
  const drugs = [
    ...(s.drugs.classes ?? []).map((c) => `${c}s`),
    ...(s.drugs.names ?? []).map((n) => terminology.drugs.resolve(n)?.label.toLowerCase() ?? n),
  ].join(' or ');
  const uses = s.indications
    .map((f) => terminology.indications.families.get(f)?.label.toLowerCase() ?? f)
    .join(' or ');
  const refer = s.referTo ? ` See policy ${s.referTo.join(', ')}.` : '';
  return `${VERDICT_TEXT[s.verdict]}: ${s.routes.join('/')} ${drugs} for ${uses}.${refer}`;
}

function productText(effect: string, basis: string | undefined, terminology: Terminology): string {
  // The quotes of `applies` rules name the product; they say no more than that.
  if (effect === 'applies') return "The policy names the member's plan or product.";
  if (effect === 'not-applicable') return "The policy does not apply to the member's product.";
  // The words are data: policies/valuesets/bases.yaml (`reason`).
  return (basis && terminology.bases.get(basis)?.reason) || 'Coverage is conditional.';
}
