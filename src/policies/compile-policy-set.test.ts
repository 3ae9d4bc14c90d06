import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { compileBases } from '../terminology/bases.js';
import { loadTerminology } from '../terminology/load-terminology.js';
import { compilePolicySet, PolicySetError, type PolicyProblem } from './compile-policy-set.js';
import { readPolicyInputs } from './load-policy-set.js';
import { indexSource, locateQuote } from './quote-locator.js';

const terminology = loadTerminology({});
const inputs = readPolicyInputs();
const bcbsma = inputs.policies.find((p) => p.path.endsWith('bcbsma/291.yaml'))!;
const mb2300 = inputs.policies.find((p) => p.path.endsWith('medica/mb2300.yaml'))!;

function problemsFor(text: string): PolicyProblem[] {
  return problemsForFile(bcbsma, text);
}

function problemsForFile(file: { path: string }, text: string): PolicyProblem[] {
  try {
    compilePolicySet({ ...inputs, policies: [{ path: file.path, text }] }, terminology);
  } catch (e) {
    assert.ok(e instanceof PolicySetError, String(e));
    return e.problems;
  }
  assert.fail('expected the policy file to be rejected');
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('policy compiler', () => {
  const set = compilePolicySet(inputs, terminology);

  it('compiles every policy file in the corpus, and lists every payer they name, sorted', () => {
    // Read from the files themselves, not the compiler: adding a policy keeps this green, losing
    // one (or a payer) fails it.
    const files = inputs.policies.map((p) => parse(p.text) as { id: string; payers: string[] });
    assert.ok(files.length >= 5, `only ${files.length} policy files`);
    assert.deepEqual(set.payers, [...new Set(files.flatMap((f) => f.payers))].sort());
    assert.deepEqual(set.policies.map((p) => p.id).sort(), files.map((f) => f.id).sort());
    assert.match(set.revision, /^[0-9a-f]{16}$/);
  });

  it('refuses a basis that policies/valuesets/bases.yaml does not list, naming the file and the list', () => {
    const text = mb2300.text.replace('basis: state-medicaid-program', 'basis: compile-test-basis');
    assert.notEqual(text, mb2300.text);
    const problems = problemsForFile(mb2300, text);
    const p = problems.find((x) => x.code === 'unknown-reference' && /basis/.test(x.message));
    assert.ok(p, JSON.stringify(problems));
    assert.equal(p.file, 'policies/medica/mb2300.yaml');
    assert.match(p.message, /unknown basis "compile-test-basis"/);
    assert.match(
      p.message,
      /bases\.yaml, which lists investigational, not-medically-necessary, .*state-medicaid-program/,
    );
  });

  it("accepts a payer-defined basis once bases.yaml lists it, and its reason words are the file's", () => {
    const bases = compileBases({
      bases: [
        ...terminology.bases.list,
        {
          id: 'compile-test-basis',
          label: 'sponsor',
          phrase: 'sponsor',
          reason: 'The sponsor decides.',
        },
      ],
    });
    const text = mb2300.text.replace('basis: state-medicaid-program', 'basis: compile-test-basis');
    const set = compilePolicySet(
      { ...inputs, policies: [{ path: mb2300.path, text }] },
      { ...terminology, bases },
    );
    const rules = set.policies[0]!.versions.flatMap((v) => v.productRules);
    const rule = rules.find((r) => r.basis === 'compile-test-basis');
    assert.ok(rule);
    assert.equal(rule.reasons[0]!.text, 'The sponsor decides.');
  });

  it('every quote in every policy file occurs verbatim (whitespace-normalized) in its source, at the line cited', () => {
    let checked = 0;
    for (const policy of set.policies) {
      const text = inputs.sources.get(policy.sourcePath.replace(/^policies\//, ''))!;
      const source = indexSource(policy.sourcePath, text);
      const citations = policy.versions.flatMap((v) => [
        ...v.changeReasons,
        ...v.statements.flatMap((s) => s.reasons),
        ...v.exclusions.flatMap((e) => e.reasons),
        ...v.productRules.flatMap((r) => r.reasons),
        ...v.productRules.flatMap((r) =>
          (r.facts ?? []).flatMap((f) => [...f.yes.reasons, ...f.no.reasons, f.question.reason]),
        ),
        ...v.priorAuthRules.flatMap((r) => r.reasons),
        ...v.priorAuthDefaultReasons,
        ...v.codes.flatMap((c) => c.reasons),
        ...v.notices.flatMap((n) => n.notices),
      ]);
      for (const r of citations) {
        assert.ok(r.citation, `${policy.id}: reason without citation: ${JSON.stringify(r)}`);
        const line = locateQuote(source, r.citation.quote);
        assert.equal(line, r.citation.line, `${policy.id}: "${r.citation.quote}"`);
        assert.equal(r.citation.source, `${policy.sourcePath}#L${line}`);
        checked++;
      }
    }
    assert.ok(checked > 100, `only ${checked} citations checked`);
  });

  it('the revision changes when a policy file changes', () => {
    const edited = compilePolicySet(
      {
        ...inputs,
        policies: inputs.policies.map((p) =>
          p === bcbsma ? { ...p, text: p.text + '\n# edited\n' } : p,
        ),
      },
      terminology,
    );
    assert.notEqual(edited.revision, set.revision);
  });

  it('the revision changes when the CRD coverage map changes', () => {
    // CRD answers follow the map: the same revision must not name two different behaviours.
    const map = inputs.otherInputs.find((f) => f.path === 'policies/crd-coverage-map.yaml');
    assert.ok(map, 'the coverage map is one of the inputs of the revision');
    const edited = compilePolicySet(
      {
        ...inputs,
        otherInputs: inputs.otherInputs.map((f) =>
          f === map ? { ...f, text: f.text + '\n# edited\n' } : f,
        ),
      },
      terminology,
    );
    assert.notEqual(edited.revision, set.revision);
  });

  it('rejects a quote that is not in the source, naming file and line', () => {
    const text = bcbsma.text.replace('is INVESTIGATIONAL.', 'is NOT INVESTIGATIONAL.');
    const [p, ...rest] = problemsFor(text);
    assert.equal(rest.length, 0);
    assert.equal(p!.code, 'quote-not-in-source');
    assert.equal(p!.file, 'policies/bcbsma/291.yaml');
    assert.equal(p!.line, lineOf(text, 'is NOT INVESTIGATIONAL.'));
  });

  it('rejects a quote that YAML cut short at " #", naming file and line', () => {
    // A plain YAML string ends at " #": the rest of "see policy #087." became a comment, and
    // what remained was still a substring of the source.
    const quoted = "      - 'For coverage information see policy #087.'";
    assert.ok(bcbsma.text.includes(quoted));
    const text = bcbsma.text.replace(quoted, '      - For coverage information see policy #087.');
    const [p, ...rest] = problemsFor(text);
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(p!.code, 'quote-cut-short');
    assert.equal(p!.line, lineOf(text, '      - For coverage information see policy #087.'));
    assert.match(p!.message, /put the quote in quotes/);
  });

  it('lets a quote stop mid-sentence only when it says so with a closing " …"', () => {
    const marked = "quote: 'Commercial Members: Managed Care (HMO and POS), PPO, and Indemnity …'";
    assert.ok(bcbsma.text.includes(marked));
    const unmarked = bcbsma.text.replace(marked, marked.replace(' …', ''));
    assert.equal(problemsFor(unmarked)[0]?.code, 'quote-cut-short');
    const cited = set.policies
      .find((p) => p.id === 'bcbsma-291')!
      .versions.flatMap((v) => v.productRules.flatMap((r) => r.reasons))
      .find((r) => r.citation?.quote.endsWith('Indemnity …'));
    assert.ok(cited, 'the marked quote is cited with its mark, so a reader sees it goes on');
  });

  it('refuses a prior-auth rule that an earlier, general one always pre-empts for a product', () => {
    const medica = inputs.policies.find((p) => p.path.endsWith('medica/mb2300.yaml'))!;
    const general = [
      '    - id: medicare-primary-plan-secondary',
      '      when: { medicarePrimary: true }',
      '      priorAuth: required',
      '      quote: Prior authorization is required if a member has Medicare primary and the plan secondary coverage.',
      '',
    ].join('\n');
    assert.ok(medica.text.includes(general));
    // The order before the fix: the general sentence first.
    const text = medica.text
      .replace(general, '')
      .replace('  rules:\n    # The products', `  rules:\n${general}    # The products`);
    const problems = problemsForFile(medica, text);
    assert.ok(problems.length > 0, 'the old order compiled');
    for (const p of problems) {
      assert.equal(p.code, 'conflict');
      assert.match(p.message, /never decides for medicare-supplement members/);
    }
  });

  it('rejects an unknown key, so a typo cannot drop a rule', () => {
    const text = bcbsma.text.replace(
      '    verdict: investigational\n    quote: Intravenous',
      '    verdict: investigational\n    verdit: covered\n    quote: Intravenous',
    );
    const problems = problemsFor(text);
    assert.ok(
      problems.some(
        (p) =>
          p.code === 'schema' &&
          p.message.includes('unknown key "verdit"') &&
          p.line === lineOf(text, 'verdit'),
      ),
      JSON.stringify(problems),
    );
  });

  it('rejects an item whose dates do not fall on version boundaries', () => {
    const text = bcbsma.text.replace(
      "from: '2018-07-01'\n    to: '2020-03-31'\n    drugs: { names: [ketamine] }",
      "from: '2018-07-02'\n    to: '2020-03-31'\n    drugs: { names: [ketamine] }",
    );
    const problems = problemsFor(text);
    assert.ok(
      problems.some((p) => p.code === 'dates' && p.message.includes('2018-07-02')),
      JSON.stringify(problems),
    );
  });

  it('rejects an unknown indication family', () => {
    const text = bcbsma.text.replace('indications: [chronic-pain]', 'indications: [chronic-pains]');
    const problems = problemsFor(text);
    assert.ok(
      problems.some((p) => p.code === 'unknown-reference' && p.message.includes('chronic-pains')),
      JSON.stringify(problems),
    );
  });

  it('rejects two statements that disagree on the same drug, route and indication', () => {
    const text = bcbsma.text.replace(
      'exclusions:\n',
      `  - id: contradiction\n    drugs: { names: [lidocaine] }\n    routes: [intravenous]\n    indications: [fibromyalgia]\n    verdict: not-medically-necessary\n    quote: Lidocaine should only be given IV to patients with normal conduction\nexclusions:\n`,
    );
    const problems = problemsFor(text);
    assert.ok(
      problems.some((p) => p.code === 'conflict' && p.message.includes('contradiction')),
      JSON.stringify(problems),
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsFor('id: x\n  bad: [\n');
    assert.equal(problems[0]!.code, 'yaml-syntax');
    assert.ok(problems[0]!.line !== undefined);
  });

  it('requires a basis for a conditional product rule', () => {
    const text = bcbsma.text.replace(
      "      effect: applies\n      quote: 'Commercial",
      "      effect: conditional\n      quote: 'Commercial",
    );
    const problems = problemsFor(text);
    assert.ok(
      problems.some((p) => p.code === 'rule' && p.message.includes('basis')),
      JSON.stringify(problems),
    );
  });
});
