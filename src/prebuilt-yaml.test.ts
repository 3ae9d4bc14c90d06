import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from './package-root.js';
import {
  checkedPolicyText,
  compilePolicySet,
  PolicySetError,
} from './policies/compile-policy-set.js';
import { readPolicyInputs } from './policies/load-policy-set.js';
import { prebuiltYaml, prebuiltYamlCount } from './prebuilt-yaml.js';
import {
  loadTerminology,
  parseTerminologyYaml,
  TERMINOLOGY_YAML,
} from './terminology/load-terminology.js';

const root = packageRoot();
const inputs = readPolicyInputs(join(root, 'policies'));

describe('prebuilt YAML files', () => {
  it('the build prebuilt every shipped YAML file, each as parsing and checking its text gives', () => {
    let files = 0;
    for (const f of Object.values(TERMINOLOGY_YAML)) {
      const text = readFileSync(join(root, f.path), 'utf8');
      const hit = prebuiltYaml(f.kind, text);
      assert.notEqual(hit, undefined, `${f.path} was not prebuilt`);
      assert.deepEqual(hit, parseTerminologyYaml(f, text), f.path);
      files++;
    }
    for (const p of inputs.policies) {
      const hit = prebuiltYaml('policy', p.text);
      assert.notEqual(hit, undefined, `${p.path} was not prebuilt`);
      const checked = checkedPolicyText(p.text);
      assert.ok('data' in checked, p.path);
      assert.deepEqual(hit, checked.data, p.path);
      files++;
    }
    assert.equal(prebuiltYamlCount(), files);
  });

  it('gives nothing for an edited text or for the same text read as another kind', () => {
    const policy = inputs.policies[0]!;
    assert.notEqual(prebuiltYaml('policy', policy.text), undefined);
    assert.equal(prebuiltYaml('policy', policy.text + '\n# edited\n'), undefined);
    assert.equal(
      prebuiltYaml('policy', policy.text.replace('investigational', 'covered')),
      undefined,
    );
    assert.equal(prebuiltYaml('drugs', policy.text), undefined);
  });

  it('gives each caller its own copy, so one load cannot change the next', () => {
    const policy = inputs.policies[0]!;
    const a = prebuiltYaml('policy', policy.text) as { id: string };
    a.id = 'changed';
    assert.notEqual((prebuiltYaml('policy', policy.text) as { id: string }).id, 'changed');
  });

  it("a prebuilt policy file reports a later stage's problems with the same lines as a parsed one", () => {
    // The policy texts are unchanged (prebuilt); a source document has lost a quoted word.
    const terminology = loadTerminology({ root });
    const policy = compilePolicySet(inputs, terminology).policies[0]!;
    const quote = policy.versions.at(-1)!.statements[0]!.reasons[0]!.citation!.quote;
    const sourceKey = policy.sourcePath.replace(/^policies\//, '');
    const sources = new Map(inputs.sources);
    sources.set(sourceKey, sources.get(sourceKey)!.split(quote.split(/\s+/)[0]!).join('XXXX'));
    const problems = (policies: typeof inputs.policies) => {
      try {
        compilePolicySet({ ...inputs, policies, sources }, terminology);
      } catch (e) {
        assert.ok(e instanceof PolicySetError, String(e));
        return e.problems;
      }
      return assert.fail('expected quote-not-in-source problems');
    };
    const prebuilt = problems(inputs.policies);
    // The same files with a comment added at the end: not prebuilt, so parsed.
    const parsed = problems(inputs.policies.map((p) => ({ ...p, text: `${p.text}\n# edited\n` })));
    assert.ok(prebuilt.some((p) => p.code === 'quote-not-in-source' && p.line! > 1));
    assert.deepEqual(prebuilt, parsed);
  });
});
