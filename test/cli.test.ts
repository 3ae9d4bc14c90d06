import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { packageRoot, policiesDir } from '../src/package-root.js';
import { corpusPayers, corpusPolicies } from './support/corpus.js';

const bin = join(packageRoot(), 'bin/medpolicy.js');
const run = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [bin, ...args], { input: input ?? '', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const crps = {
  payer: 'bcbsma',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

describe('medpolicy check', () => {
  it('writes one Determination as a JSON object for one request, exit 0', () => {
    const r = run(['check'], JSON.stringify(crps, null, 2));
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.outcome, 'not-covered');
    assert.equal(d.basis, 'investigational');
    assert.equal(d.policy.number, '291');
  });

  it('reads --request FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medpolicy-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify(crps));
    const r = run(['check', '--request', join(dir, 'r.json')]);
    assert.equal(r.status, 0);
    assert.equal(JSON.parse(r.stdout).payer, 'bcbsma');
  });

  it('writes NDJSON in order for NDJSON, an error object on a bad line, and goes on (exit 1)', () => {
    const lines = [
      JSON.stringify(crps),
      '{"payer":"acme","dateOfService":"2025-09-15"}',
      '{not json',
      JSON.stringify({ ...crps, payer: 'medica' }),
    ];
    const r = run(['check'], lines.join('\n') + '\n');
    assert.equal(r.status, 1);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(out.length, 4);
    assert.equal(out[0].payer, 'bcbsma');
    assert.equal(out[1].error.title, 'Unknown payer');
    assert.equal(out[1].error.path, '/payer');
    assert.equal(out[1].error.line, 2);
    assert.equal(out[2].error.status, 400);
    assert.equal(out[3].payer, 'medica');
    assert.equal(out[3].basis, 'not-covered');
  });

  it('rejects one invalid request with its error object and exit 1', () => {
    const r = run(
      ['check'],
      '{"payer":"bcbsma","dateOfService":"2025-09-15","diagnosisCodes":["not-a-code"]}',
    );
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stdout).error.path, '/diagnosisCodes/0');
  });

  it('prints a table with reasons, and the trace with --explain', () => {
    const r = run(['check', '--format', 'table', '--explain'], JSON.stringify(crps));
    assert.equal(r.status, 0);
    assert.match(r.stdout, /bcbsma\s+not-covered\s+investigational/);
    assert.match(r.stdout, /is INVESTIGATIONAL\./);
    assert.match(r.stdout, /G90\.521 is in value set crps/);
  });

  it('exits 2 on misuse: unknown option, bad format, unreadable file, empty input', () => {
    assert.equal(run(['check', '--bogus']).status, 2);
    assert.equal(run(['check', '--format', 'xml'], JSON.stringify(crps)).status, 2);
    assert.equal(run(['check', '--request', '/nonexistent/file.json']).status, 2);
    const empty = run(['check'], '');
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /input is empty/);
  });

  it('does not echo request contents to stderr', () => {
    const r = run(['check', '--request', '/nonexistent/member-123.json']);
    assert.doesNotMatch(r.stderr, /G90|ketamine/);
  });
});

describe('medpolicy compare', () => {
  it('writes a JSON array with one Determination per payer', () => {
    const { payer: _, ...request } = crps;
    const r = run(['compare'], JSON.stringify(request));
    assert.equal(r.status, 0, r.stderr);
    const ds = JSON.parse(r.stdout);
    assert.deepEqual(
      ds.map((d: { payer: string }) => d.payer),
      corpusPayers(),
    );
    assert.equal(
      ds.find((d: { payer: string }) => d.payer === 'bcbsri').basis,
      'not-medically-necessary',
    );
  });

  it('prints a side-by-side table', () => {
    const { payer: _, ...request } = crps;
    const r = run(['compare', '--format', 'table'], JSON.stringify(request));
    assert.equal(r.status, 0);
    // A header, a rule, one row per payer.
    assert.equal(r.stdout.trim().split('\n').length, 2 + corpusPayers().length);
    assert.match(r.stdout, /medica\s+not-covered\s+not-covered\s+not-required\s+MB2300@2025-08/);
  });

  it('rejects a request that names a payer', () => {
    const r = run(['compare'], JSON.stringify(crps));
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stdout).error.path, '/payer');
  });
});

describe('medpolicy', () => {
  it('lists policies, revision and code sets', () => {
    const r = run(['policies']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /bcbsma-291\s+291\s+bcbsma/);
    assert.match(r.stdout, /revision [0-9a-f]{16}/);
    assert.match(r.stdout, /icd10cm: ICD-10-CM FY2021 to FY2026 \(8 CMS releases, shipped\)/);
    const json = JSON.parse(run(['policies', '--format', 'json']).stdout);
    assert.deepEqual(
      json.policies.map((p: { id: string }) => p.id).sort(),
      corpusPolicies()
        .map((p) => p.id)
        .sort(),
    );
  });

  it('prints the closed vocabularies, the bases and families from the value sets', () => {
    const r = run(['policies', '--vocabularies', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout);
    const file = parse(readFileSync(join(policiesDir(), 'valuesets', 'bases.yaml'), 'utf8')) as {
      bases: { id: string; label: string }[];
    };
    assert.deepEqual(
      v.basis,
      file.bases.map((b) => ({ id: b.id, label: b.label })),
    );
    assert.ok(v.lineOfBusiness.includes('medicare-supplement'));
    const trd = v.indication.find((f: { id: string }) => f.id === 'treatment-resistant-depression');
    assert.equal(trd.byNameOnly, true);
    assert.equal(v.indication.find((f: { id: string }) => f.id === 'crps').byNameOnly, false);
    const table = run(['policies', '--vocabularies']).stdout;
    assert.match(table, /basis:\n {2}investigational \(investigational\)/);
    assert.match(table, /treatment-resistant-depression \(.*\) \[by name only\]/);
  });

  it('has --help everywhere and exits 2 on an unknown command', () => {
    for (const cmd of [[], ['check'], ['compare'], ['policies'], ['codes']]) {
      const r = run([...cmd, '--help']);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /Usage: medpolicy/);
    }
    const r = run(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });
});

describe('medpolicy: drug names and kinds of out-of-scope', () => {
  it('decides "Ketamine HCl" and "Xylocaine" as ketamine and lidocaine', () => {
    for (const [name, id] of [
      ['Ketamine HCl', 'ketamine'],
      ['Xylocaine', 'lidocaine'],
    ] as const) {
      const r = run(['check'], JSON.stringify({ ...crps, drug: name }));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).drug, id);
    }
  });

  it('refuses "ketamin" with exit 1 and the error object naming /drug, never out of scope', () => {
    const r = run(['check'], JSON.stringify({ ...crps, drug: 'ketamin' }));
    assert.equal(r.status, 1);
    const e = JSON.parse(r.stdout).error;
    assert.equal(e.status, 422);
    assert.equal(e.code, 'unknown-drug');
    assert.equal(e.path, '/drug');
    assert.match(e.hint, /did you mean 'ketamine'\?/);
  });

  it('the compare table names each kind of out-of-scope and says what it means', () => {
    const { payer: _payer, ...request } = { ...crps, diagnosisCodes: ['F33.2'] };
    const r = run(['compare', '--format', 'table'], JSON.stringify(request));
    assert.equal(r.status, 0, r.stderr);
    const row = (p: string) => r.stdout.split('\n').find((l) => l.startsWith(p)) ?? '';
    assert.match(row('bcbsma'), /out-of-scope: refers elsewhere/);
    assert.match(row('bcbsri'), /out-of-scope: not addressed/);
    assert.match(r.stdout, /^refers elsewhere: The policy sends this case to another policy/m);
    assert.match(r.stdout, /^not addressed: The policy never mentions/m);
  });

  it('the check table says which kind it is', () => {
    const r = run(
      ['check', '--format', 'table'],
      JSON.stringify({ ...crps, lineOfBusiness: 'fep' }),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /out-of-scope: product not governed/);
    assert.match(r.stdout, /out of scope, product not governed: The member's product/);
  });
});

describe('medpolicy check --answers (facts beyond the request)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medpolicy-answers-'));
  const bcn65 = { ...crps, payer: 'bcn', lineOfBusiness: 'medicare-supplement' };
  const LINE_676 =
    'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.';
  const answers = (name: string, content: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  const response = (code: string) => ({
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    item: [
      {
        linkId: 'group-1',
        item: [
          {
            linkId: 'primary-medicare-covered',
            answer: [
              { valueCoding: { system: 'http://terminology.hl7.org/CodeSystem/v2-0136', code } },
            ],
          },
        ],
      },
    ],
  });

  it('the table of a conditional answer lists its question with the quote', () => {
    const r = run(['check', '--format', 'table'], JSON.stringify(bcn65));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /conditional/);
    assert.match(r.stdout, /questions \(answer with --answers FILE/);
    assert.match(
      r.stdout,
      /primary-medicare-covered: Did primary Medicare cover this service for this member\?/,
    );
    assert.ok(
      r.stdout.includes(`"${LINE_676}" (policies/sources/bcbsm-bcn-iv-anesthetics.txt#L676)`),
    );
  });

  it('JSON answers decide: yes covered, no not covered', () => {
    const yes = run(
      ['check', '--answers', answers('yes.json', { 'primary-medicare-covered': true })],
      JSON.stringify(bcn65),
    );
    assert.equal(yes.status, 0, yes.stderr);
    const d = JSON.parse(yes.stdout);
    assert.equal(d.outcome, 'covered');
    assert.equal(d.reasons[0].citation.quote, LINE_676);
    assert.deepEqual(d.facts, { 'primary-medicare-covered': true });
    const no = run(
      ['check', '--answers', answers('no.json', { 'primary-medicare-covered': false })],
      JSON.stringify(bcn65),
    );
    assert.equal(JSON.parse(no.stdout).outcome, 'not-covered');
  });

  it('reads a QuestionnaireResponse: Y, N, and ASKU (the question stays open)', () => {
    const outcome = (code: string) =>
      JSON.parse(
        run(
          ['check', '--answers', answers(`qr-${code}.json`, response(code))],
          JSON.stringify(bcn65),
        ).stdout,
      ).outcome;
    assert.equal(outcome('Y'), 'covered');
    assert.equal(outcome('N'), 'not-covered');
    assert.equal(outcome('ASKU'), 'conditional');
  });

  it('adds the answers to every NDJSON request, and keeps facts the request gives that agree', () => {
    const lines = [
      JSON.stringify(bcn65),
      JSON.stringify({ ...bcn65, facts: { 'primary-medicare-covered': true } }),
    ];
    const r = run(
      ['check', '--answers', answers('yes2.json', { 'primary-medicare-covered': true })],
      lines.join('\n'),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).outcome),
      ['covered', 'covered'],
    );
  });

  it('exits 2, deciding nothing, when an answer contradicts a request', () => {
    const lines = [
      JSON.stringify(bcn65),
      JSON.stringify({ ...bcn65, facts: { 'primary-medicare-covered': false } }),
    ];
    const r = run(
      ['check', '--answers', answers('yes3.json', { 'primary-medicare-covered': true })],
      lines.join('\n'),
    );
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /--answers conflicts with the request on line 2: primary-medicare-covered is no in the request on line 2 but yes in/,
    );
    // A fact that spells a request field contradicts that field too.
    const field = run(
      ['check', '--answers', answers('pp.json', { 'provider-participating': false })],
      JSON.stringify({ ...bcn65, providerParticipating: true }),
    );
    assert.equal(field.status, 2);
    assert.match(field.stderr, /provider-participating is yes in the request but no in/);
  });

  it('exits 2 on an answers file that is not one: unknown fact, not a boolean, a bad answer code', () => {
    const unknown = run(
      ['check', '--answers', answers('u.json', { 'primary-medicare-coverd': true })],
      JSON.stringify(bcn65),
    );
    assert.equal(unknown.status, 2);
    assert.match(
      unknown.stderr,
      /"primary-medicare-coverd" is not a fact a policy turns on \(did you mean "primary-medicare-covered"\?\)/,
    );
    const notBool = run(
      ['check', '--answers', answers('b.json', { 'primary-medicare-covered': 'yes' })],
      JSON.stringify(bcn65),
    );
    assert.equal(notBool.status, 2);
    assert.match(notBool.stderr, /must be true or false/);
    const badCode = run(
      ['check', '--answers', answers('c.json', response('YES'))],
      JSON.stringify(bcn65),
    );
    assert.equal(badCode.status, 2);
    assert.match(
      badCode.stderr,
      /primary-medicare-covered\) must be answered with a valueCoding Y, N or ASKU/,
    );
    const missing = run(['check', '--answers', join(dir, 'absent.json')], JSON.stringify(bcn65));
    assert.equal(missing.status, 2);
  });
});
