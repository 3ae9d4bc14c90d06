import assert from 'node:assert/strict';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../package-root.js';
import { describeTerminology } from '../terminology/terminology.js';
import { decideRequest } from './decide-request.js';
import {
  compileContext,
  loadContext,
  prebuildContext,
  type DecisionContext,
} from './load-context.js';
import { contextRoots, readPrebuiltContext } from './prebuilt-context.js';

const request = {
  payer: 'bcbsal',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};
const TITLE = 'Intravenous Anesthetics for the Treatment of Chronic Pain and Psychiatric Disorders';
// The same length: an edit that leaves the file's size as it was.
const EDITED =
  'Intravenous Anesthetics for the Treatment of Chronic Ache and Psychiatric Disorders';

const BUILT_AT = new Date('2025-06-01T12:00:00Z');

function titleOf(ctx: DecisionContext): string | undefined {
  const r = decideRequest(request, ctx);
  assert.ok(r.ok);
  return r.determination.policy?.title;
}

describe('the prebuilt decision context', () => {
  it('the build wrote it for the shipped corpus, and it is the context compiled from the sources', () => {
    const prebuilt = readPrebuiltContext(contextRoots({}));
    assert.ok(
      prebuilt,
      'no prebuilt context: run `npm run build` (node dist/scripts/prebuild-context.js)',
    );
    const compiled = compileContext({});
    assert.deepEqual(prebuilt.policySet, compiled.policySet);
    assert.deepEqual(
      describeTerminology(prebuilt.terminology),
      describeTerminology(compiled.terminology),
    );
    assert.deepEqual(prebuilt.terminology.drugs.names, compiled.terminology.drugs.names);
    assert.deepEqual(prebuilt.terminology.bases.list, compiled.terminology.bases.list);
    assert.deepEqual(
      [...prebuilt.terminology.indications.entries],
      [...compiled.terminology.indications.entries],
    );
    assert.deepEqual(
      prebuilt.terminology.icd10cm.get('G90521'),
      compiled.terminology.icd10cm.get('G90521'),
    );
    assert.equal(prebuilt.policiesDir, compiled.policiesDir);
  });

  describe('a copy of the package, prebuilt, then changed', () => {
    let root: string;
    let artifact: string;
    let policy: string;
    let builtRevision: string;
    const roots = () => contextRoots({ root });

    before(() => {
      root = mkdtempSync(join(tmpdir(), 'medpolicy-prebuilt-'));
      for (const d of ['policies', 'terminology']) {
        cpSync(join(packageRoot(), d), join(root, d), { recursive: true });
      }
      artifact = join(root, 'context.v8');
      policy = join(root, 'policies/bcbsal/mp-446.yaml');
      // A time that can be put back exactly (utimes takes milliseconds; stat gives nanoseconds).
      utimesSync(policy, BUILT_AT, BUILT_AT);
      builtRevision = prebuildContext({ root }, artifact).policySet.revision;
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('is used while every file is as it was built from', () => {
      assert.ok(readPrebuiltContext(roots(), artifact));
      assert.equal(titleOf(loadContext({ root }, artifact)), TITLE);
    });

    it('is still used after a file is touched but not changed (its content is compared)', () => {
      const later = new Date(statSync(policy).mtimeMs + 5000);
      utimesSync(policy, later, later);
      assert.ok(readPrebuiltContext(roots(), artifact));
    });

    it('is never used once a policy is edited, even to the same size with its times put back', () => {
      const size = statSync(policy).size;
      const text = readFileSync(policy, 'utf8');
      assert.ok(text.includes(`title: ${TITLE}`));
      writeFileSync(policy, text.replaceAll(`title: ${TITLE}`, `title: ${EDITED}`));
      utimesSync(policy, BUILT_AT, BUILT_AT);
      assert.equal(statSync(policy).size, size);
      assert.equal(statSync(policy).mtimeMs, BUILT_AT.getTime());
      assert.equal(readPrebuiltContext(roots(), artifact), undefined);
      const edited = loadContext({ root }, artifact);
      assert.notEqual(edited.policySet.revision, builtRevision);
      assert.equal(titleOf(edited), EDITED);
      writeFileSync(policy, text);
      assert.ok(
        readPrebuiltContext(roots(), artifact),
        'the original text again: the artifact holds',
      );
    });

    it('is never used once a file is added to the corpus', () => {
      const added = join(root, 'policies/bcbsal/extra.yaml');
      writeFileSync(added, '# nothing yet\n');
      try {
        assert.equal(readPrebuiltContext(roots(), artifact), undefined);
      } finally {
        rmSync(added);
      }
      assert.ok(readPrebuiltContext(roots(), artifact));
    });

    it('is never used for another corpus or another code set', () => {
      const other = join(root, 'other-policies');
      cpSync(join(root, 'policies'), other, { recursive: true });
      rmSync(join(other, 'medica'), { recursive: true });
      assert.equal(
        readPrebuiltContext(contextRoots({ root, policiesDir: other }), artifact),
        undefined,
      );
      const ctx = loadContext({ root, policiesDir: other }, artifact);
      assert.ok(!ctx.policySet.payers.includes('medica'));
      const history = join(root, 'terminology/icd10cm/history.tsv');
      const text = readFileSync(history);
      writeFileSync(history, Buffer.concat([text, Buffer.from('Z99999\t1\n')]));
      try {
        assert.equal(readPrebuiltContext(roots(), artifact), undefined);
      } finally {
        writeFileSync(history, text);
      }
    });

    it('follows a linked file to its target, and notices when the target changes', () => {
      const target = join(root, 'bases-elsewhere.yaml');
      const bases = join(root, 'policies/valuesets/bases.yaml');
      const text = readFileSync(bases, 'utf8');
      writeFileSync(target, text);
      rmSync(bases);
      symlinkSync(target, bases);
      const linked = join(root, 'linked.v8');
      prebuildContext({ root }, linked);
      assert.ok(readPrebuiltContext(roots(), linked));
      writeFileSync(target, text.replace(/label: .*/, 'label: Changed elsewhere'));
      assert.equal(readPrebuiltContext(roots(), linked), undefined);
      rmSync(bases);
      writeFileSync(bases, text);
    });

    it("is not used when the operator loads CMS files: they are the operator's code sets", () => {
      assert.throws(
        () => loadContext({ root, icd10cmOnlyLoaded: true }, artifact),
        /no ICD-10-CM release given/,
      );
    });

    it('a damaged artifact is ignored, not trusted', () => {
      const damaged = join(root, 'damaged.v8');
      writeFileSync(damaged, readFileSync(artifact).subarray(0, 1000));
      assert.equal(readPrebuiltContext(roots(), damaged), undefined);
      assert.equal(titleOf(loadContext({ root }, damaged)), TITLE);
    });
  });
});
