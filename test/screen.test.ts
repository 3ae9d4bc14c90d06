import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CSV_GENERATED_HEADER, generateLines, toCsv, toNdjson } from '../bench/generate-claims.js';
import { screen } from '../src/adapters/cli/screen.js';
import { packageRoot } from '../src/package-root.js';
import { loadContext, type DecisionContext } from '../src/service/load-context.js';

const root = packageRoot();
const bin = join(root, 'bin/medpolicy.js');
const fixtures = join(root, 'test/fixtures/batch');
const dir = mkdtempSync(join(tmpdir(), 'medpolicy-screen-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = (args: string[], input?: string | Buffer) => {
  const r = spawnSync(process.execPath, [bin, 'screen', '--no-progress', ...args], {
    input: input ?? '',
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const rows = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const crps = {
  payer: 'bcbsal',
  dateOfService: '2025-09-15',
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};
const lines = (n: number, seed = 7) => [...generateLines(n, seed)];

// The screen command in this process, arguments and all, with one policy set for every run:
// for the tests that run it many times over files.
let shared: DecisionContext | undefined;
const inproc = async (args: string[]) => {
  let stdout = '';
  const status = await screen(
    ['--no-progress', ...args],
    () => (shared ??= loadContext()),
    (t) => (stdout += t + '\n'),
  );
  return { status, stdout, stderr: '' };
};

describe('medpolicy screen: NDJSON', () => {
  it('decides facts beyond the request (the general path), on one thread and on two', () => {
    const bcn65 = { ...crps, payer: 'bcn', lineOfBusiness: 'medicare-supplement' };
    const input = [
      JSON.stringify({ claimId: 'Y', ...bcn65, facts: { 'primary-medicare-covered': true } }),
      JSON.stringify({ claimId: 'N', ...bcn65, facts: { 'primary-medicare-covered': false } }),
      JSON.stringify({ claimId: 'U', ...bcn65 }),
      JSON.stringify({ claimId: 'X', ...bcn65, facts: { 'primary-medicare-coverd': true } }),
    ].join('\n');
    const path = file('facts.ndjson', input + '\n');
    for (const workers of ['1', '2']) {
      const r = run([path, '--workers', workers]);
      assert.equal(r.status, 1);
      const got = rows(r.stdout);
      assert.deepEqual(
        got.map((x) => [x.claimId, x.outcome ?? (x.error as { code: string }).code, x.missing]),
        [
          ['Y', 'covered', undefined],
          ['N', 'not-covered', undefined],
          ['U', 'conditional', ['facts.primary-medicare-covered']],
          ['X', 'unknown-fact', undefined],
        ],
      );
    }
  });

  it('writes one row per line in order, error rows with their line, and exits 1', () => {
    const input = [
      JSON.stringify({ claimId: 'A', claimLine: 1, ...crps }),
      '',
      '{"payer": "bcbsal",',
      JSON.stringify({ ...crps, payer: 'acme' }),
      JSON.stringify({
        claimId: 'B',
        ...crps,
        dateOfService: '2018-06-01',
        diagnosisCodes: ['F43.10'],
      }),
    ].join('\n');
    const r = run(['-'], input);
    assert.equal(r.status, 1, r.stderr);
    const out = rows(r.stdout);
    assert.deepEqual(
      out.map((o) => [o.sourceLine, o.claimId, o.outcome ?? (o.error as { code: string }).code]),
      [
        [1, 'A', 'not-covered'],
        [3, undefined, 'invalid-json'],
        [4, undefined, 'unknown-payer'],
        [5, 'B', 'out-of-scope'],
      ],
    );
    assert.equal(out[0]!.statement, 'statement:chronic-pain');
    assert.equal(out[0]!.policyVersion, '2024-11');
    assert.equal((out[2]!.error as { path: string }).path, '/payer');
  });

  it('prints nothing on standard error when it is not a terminal', () => {
    const r = spawnSync(process.execPath, [bin, 'screen', '-'], {
      input: JSON.stringify(crps),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0);
    assert.equal(r.stderr, '');
  });

  it('agrees line for line with medpolicy check on generated claims', () => {
    const gen = lines(400);
    const input = gen.map(toNdjson).join('\n') + '\n';
    const screened = rows(run(['--format', 'ndjson'], input).stdout);
    const plain = gen.map((g) => {
      const o = JSON.parse(toNdjson(g)) as Record<string, unknown>;
      delete o.claimId;
      delete o.claimLine;
      return JSON.stringify(o);
    });
    const checked = rows(
      spawnSync(process.execPath, [bin, 'check'], { input: plain.join('\n'), encoding: 'utf8' })
        .stdout,
    );
    assert.equal(screened.length, checked.length);
    screened.forEach((s, i) => {
      const c = checked[i]!;
      if (c.error) return assert.ok(s.error, `line ${i + 1}`);
      assert.equal(s.outcome, c.outcome, `line ${i + 1}`);
      assert.equal(s.basis, c.basis);
      assert.equal(s.priorAuth, c.priorAuth);
      assert.equal(s.policyVersion, (c.policy as { version?: string } | undefined)?.version);
      assert.deepEqual(
        s.warnings ?? [],
        (c.warnings as { code: string }[]).map((w) => w.code),
      );
    });
  });

  it('gives the same rows and summary with two worker threads', () => {
    const input = file('w.ndjson', lines(30_000).map(toNdjson).join('\n') + '\n');
    const one = run([input, '--out', join(dir, 'w1.ndjson'), '--summary', join(dir, 's1.json')]);
    const two = run([
      input,
      '--workers',
      '2',
      '--out',
      join(dir, 'w2.ndjson'),
      '--summary',
      join(dir, 's2.json'),
    ]);
    assert.equal(one.status, two.status);
    assert.equal(
      readFileSync(join(dir, 'w1.ndjson'), 'utf8'),
      readFileSync(join(dir, 'w2.ndjson'), 'utf8'),
    );
    const s1 = JSON.parse(readFileSync(join(dir, 's1.json'), 'utf8'));
    const s2 = JSON.parse(readFileSync(join(dir, 's2.json'), 'utf8'));
    delete s1.run;
    delete s2.run;
    assert.deepEqual(s1, s2);
    assert.equal(s1.lines, 30_000);
  });

  it('turns lines that are not UTF-8 into error rows and reads UTF-16 with a BOM', () => {
    const good = JSON.stringify(crps);
    const latin1 = Buffer.concat([
      Buffer.from(good + '\n'),
      Buffer.from(
        '{"payer":"bcbsal","dateOfService":"2025-09-15","drug":"k\xe9tamine"}\n',
        'latin1',
      ),
      Buffer.from(good + '\n'),
    ]);
    const r = run([file('latin1.ndjson', latin1)]);
    assert.equal(r.status, 1);
    const out = rows(r.stdout);
    assert.equal(out.length, 3);
    assert.equal(out[1]!.sourceLine, 2);
    assert.match((out[1]!.error as { detail: string }).detail, /not valid UTF-8/);
    assert.equal(out[2]!.outcome, 'not-covered');
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`${good}\n${good}\n`, 'utf16le'),
    ]);
    const u = run([file('utf16.ndjson', utf16)]);
    assert.equal(u.status, 0, u.stdout);
    assert.deepEqual(
      rows(u.stdout).map((o) => o.outcome),
      ['not-covered', 'not-covered'],
    );
  });
});

describe('medpolicy screen: CSV', () => {
  it('reads the documented columns and writes CSV rows', () => {
    const csv = [
      'claim_id,line_number,payer,line_of_business,plan_type,date_of_service,place_of_service,procedure_code,modifiers,ndc,diagnosis_codes,provider_participating',
      'C1,1,bcbsal,commercial,ppo,20250915,22,96365,,,G90.521|M79.7,Y',
      'C1,2,bcbsma,commercial,ppo,09/15/2025,11,96365,GT,,F33.2,N',
    ].join('\r\n');
    const r = run([
      file('a.csv', csv),
      '--output',
      'csv',
      '--ndc-map',
      file('ndc.csv', 'ndc,drug\n'),
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const [header, ...body] = r.stdout.trim().split('\n');
    assert.match(
      header!,
      /^source_line,claim_id,claim_line,payer,outcome,basis,out_of_scope_reason,prior_auth,policy,policy_version,statement/,
    );
    assert.equal(body.length, 2);
    assert.match(body[0]!, /^2,C1,1,bcbsal,needs-info,/);
    assert.match(body[1]!, /^3,C1,2,bcbsma,/);
  });

  it('makes a malformed record an error row naming its line and goes on', () => {
    const gen = lines(20);
    const body = gen.map(toCsv);
    body[3] = body[3]!.replace(/^C/, '"C"x');
    body[7] = body[7]!.split(',').slice(0, 5).join(',');
    body[11] = body[11]!.replace(/,Y,|,N,/, ',maybe,');
    const r = run([file('bad.csv', [CSV_GENERATED_HEADER, ...body].join('\n'))]);
    assert.equal(r.status, 1);
    const out = rows(r.stdout);
    assert.equal(out.length, 20);
    const errors = out
      .filter((o) => o.error)
      .map((o) => [o.sourceLine, (o.error as { path: string; detail: string }).detail]);
    assert.ok(
      errors.some(([l, d]) => l === 5 && /not a well-formed CSV record/.test(String(d))),
      JSON.stringify(errors),
    );
    assert.ok(errors.some(([l, d]) => l === 9 && /has 5 fields/.test(String(d))));
    assert.ok(
      errors.some(([l, d]) => l === 13 && /provider_participating 'maybe'/.test(String(d))),
    );
  });

  it('names the CSV column of a field that fails validation', () => {
    const r = run([
      file('c.csv', 'payer,date_of_service,diagnosis_codes\nbcbsal,2025-09-15,G90.521|CRPS\n'),
    ]);
    const [o] = rows(r.stdout);
    assert.equal((o!.error as { path: string }).path, '/diagnosis_codes/1');
  });

  it('gives the same rows with two threads, quoted fields with newlines included', () => {
    const body = lines(40_000, 9).map(toCsv);
    // Every 997th record carries a quoted claim id with a line break in it.
    for (let i = 5; i < body.length; i += 997) body[i] = body[i]!.replace(/^(C\d+)/, '"$1\nX"');
    const input = file('w.csv', [CSV_GENERATED_HEADER, ...body].join('\n') + '\n');
    const one = run([input, '--out', join(dir, 'c1.ndjson')]);
    const two = run([input, '--workers', '2', '--out', join(dir, 'c2.ndjson')]);
    assert.equal(one.status, two.status);
    const a = readFileSync(join(dir, 'c1.ndjson'), 'utf8');
    assert.equal(a, readFileSync(join(dir, 'c2.ndjson'), 'utf8'));
    const out = rows(a);
    assert.equal(out.length, 40_000);
    assert.equal(out[5]!.claimId, `${lines(6, 9)[5]!.claimId}\nX`);
    assert.equal(out[6]!.sourceLine, 9); // the header, then line 7 spans two lines
  });

  it('turns a record that is not UTF-8 into an error row', () => {
    const csv = Buffer.concat([
      Buffer.from(
        'payer,date_of_service,drug,diagnosis_codes\nbcbsal,2025-09-15,ketamine,G90.521\n',
      ),
      Buffer.from('bcbsal,2025-09-15,k\xe9tamine,G90.521\n', 'latin1'),
      Buffer.from('bcbsal,2025-09-15,ketamine,G90.521\n'),
    ]);
    const out = rows(run([file('latin1.csv', csv)]).stdout);
    assert.deepEqual(
      out.map((o) => [o.sourceLine, o.error ? 'error' : o.outcome]),
      [
        [2, 'needs-info'],
        [3, 'error'],
        [4, 'needs-info'],
      ],
    );
  });

  it('stops with exit 2 on an unusable header', () => {
    const r = run([file('h.csv', 'payer,dos\nbcbsal,2025-09-15\n')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown CSV column "dos"/);
  });
});

describe('medpolicy screen: X12 837P', () => {
  it('reads claims, lines, pointers, NDC and payer from an 837P', () => {
    const r = run([
      join(fixtures, 'sample.837'),
      '--ndc-map',
      file('ndc2.csv', '00000-0000-01,ketamine\n'),
    ]);
    assert.equal(r.status, 0, r.stdout);
    const out = rows(r.stdout);
    assert.deepEqual(
      out.map((o) => [o.claimId, o.claimLine, o.payer, o.outcome, o.sourceLine]),
      [
        ['CLAIM001', '1', 'bcbsal', 'not-covered', 20],
        ['CLAIM001', '2', 'bcbsal', 'not-covered', 23],
        ['CLAIM002', '1', 'bcbsal', 'needs-info', 30],
      ],
    );
    assert.equal(out[0]!.indication, 'crps');
    assert.deepEqual(out[2]!.missing, ['drug']);
  });

  it('reports a truncated interchange and the lines it cut, and exits 1', () => {
    const text = readFileSync(join(fixtures, 'sample.837'), 'utf8');
    const cut = text.slice(0, text.indexOf('DTP*472*D8*20250915~\nLX*2'));
    const r = run([file('cut.837', cut)]);
    assert.equal(r.status, 1);
    const out = rows(r.stdout);
    assert.equal(out.at(-1)!.sourceLine, 3);
    assert.match(
      (out.at(-1)!.error as { detail: string }).detail,
      /without SE: the file is truncated/,
    );
    assert.match((out[0]!.error as { detail: string }).detail, /no service date/);
  });

  it('maps the payer id, and reads Medicare primary from the other subscriber loop (2320)', () => {
    const claim = [
      'ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *250916*1200*^*00501*000000002*0*T*:~',
      'GS*HC*SUBMITTER*RECEIVER*20250916*1200*2*X*005010X222A1~',
      'ST*837*0002*005010X222A1~',
      'HL*1**20*1~',
      'HL*2*1*22*0~',
      'SBR*S*18*GRP02******CI~',
      'NM1*PR*2*MEDICA*****PI*94265~',
      'CLM*CLAIM009*800***11:B:1*Y*A*Y*Y~',
      'HI*ABK:G90521~',
      'DTP*472*D8*20250915~',
      'SBR*P*18*******MB~',
      'NM1*IL*1*DOE*JANE****MI*1EG4TE5MK72~',
      'LX*1~',
      'SV1*HC:96365*800*UN*1***1~',
      'SE*13*0002~',
      'GE*1*2~',
      'IEA*1*000000002~',
    ].join('\n');
    const r = run([
      file('medicare.837', claim),
      '--payer-map',
      file('payers.csv', 'id,payer\n94265,medica\n'),
    ]);
    const [o] = rows(r.stdout);
    assert.equal(o!.payer, 'medica');
    assert.equal(o!.outcome, 'needs-info'); // the drug: 96365 alone names none
    const ketamine = claim.replace(
      'SV1*HC:96365*800*UN*1***1~',
      'SV1*HC:96365*800*UN*1***1~\nLX*2~\nSV1*HC:J3490*800*UN*1***1~\nLIN**N4*00000000001~',
    );
    const withDrug = rows(
      run([
        file('medicare2.837', ketamine),
        '--payer-map',
        join(dir, 'payers.csv'),
        '--ndc-map',
        file('ndc3.csv', '00000000001,ketamine\n'),
      ]).stdout,
    );
    assert.equal(withDrug.length, 2);
    // MB2300 gives a Medicare-primary member a prior-auth rule only; its statements decide (with
    // a text-silent warning): the text never says coverage follows Medicare.
    assert.equal(withDrug[0]!.outcome, 'not-covered');
    assert.equal(withDrug[0]!.basis, 'not-covered');
    assert.equal(withDrug[0]!.priorAuth, 'required');
  });

  it('names the 837 segment of a field that fails validation', () => {
    const text = readFileSync(join(fixtures, 'sample.837'), 'utf8')
      .replace('HI*ABK:G90521*ABF:M797~', 'HI*ABK:G90521*ABF:CRPS~')
      .replace('DTP*472*D8*20250910~', 'DTP*472*D8*20250931~');
    const out = rows(run([file('hi.837', text)]).stdout);
    assert.equal((out[0]!.error as { path: string }).path, '/2300/HI');
    assert.match((out[0]!.error as { detail: string }).detail, /'CRPS' is not an ICD-10-CM code/);
    assert.equal((out[2]!.error as { path: string }).path, '/DTP*472');
  });

  it('matches --payer-map case-insensitively and screens a real-style 837P with > components', () => {
    const r = run([
      join(fixtures, 'real-style-caret-component.837'),
      '--payer-map',
      file('payers-case.csv', 'id,payer\nbcbsal,bcbsal\n'),
      '--ndc-map',
      file('ndc-caret.csv', '42023-0113-10,ketamine\n'),
    ]);
    assert.equal(r.status, 0, r.stdout);
    const out = rows(r.stdout);
    assert.equal(out.length, 4);
    assert.ok(out.every((o) => o.payer === 'bcbsal' && !o.error));
    const text = readFileSync(join(fixtures, 'real-style-caret-component.837'), 'utf8').replace(
      'PI*BCBSAL~',
      'PI*Xy94265~',
    );
    const mapped = rows(
      run([file('case.837', text), '--payer-map', file('p2.csv', 'xy94265,medica\n')]).stdout,
    );
    assert.ok(mapped.every((o) => o.payer === 'medica'));
    const unmapped = rows(run([file('case2.837', text)]).stdout);
    assert.match((unmapped[0]!.error as { detail: string }).detail, /'Xy94265'/);
  });

  it('names --payer-map for an unmapped payer id, and the segment a bad place of service is in', () => {
    const text = readFileSync(join(fixtures, 'sample.837'), 'utf8')
      .replace('PI*bcbsal~', 'PI*94265~')
      .replace('CLM*CLAIM001*1500***22:B:1', 'CLM*CLAIM001*1500***2X:B:1')
      .replace('SV1*HC:96365*500*UN*1***1:2~', 'SV1*HC:96365*500*UN*1*9X**1:2~');
    const out = rows(run([file('pos.837', text)]).stdout);
    const err = (i: number) => out[i]!.error as { code: string; path: string; hint?: string };
    assert.equal(err(0).path, '/2400/SV105');
    assert.equal(err(1).path, '/2300/CLM05');
    assert.equal(err(2).code, 'unknown-payer');
    assert.match(err(2).hint ?? '', /--payer-map/);
  });

  it('makes a bad SV1 or pointer an error row for that line only', () => {
    const text = readFileSync(join(fixtures, 'sample.837'), 'utf8')
      .replace('SV1*HC:J3490*1000*UN*1***1~', 'SV1*ZZ*1000*UN*1***1~')
      .replace('SV1*HC:96365:GT*900*UN*1***1~', 'SV1*HC:96365:GT*900*UN*1***4~');
    const out = rows(run([file('sv1.837', text)]).stdout);
    assert.equal(out.length, 3);
    assert.equal(out[0]!.outcome, 'needs-info');
    assert.equal((out[1]!.error as { path: string }).path, '/2400/SV101');
    assert.equal((out[2]!.error as { path: string }).path, '/2400/SV107');
  });
});

describe('medpolicy screen: history', () => {
  const psych = { ...crps, dateOfService: '2024-09-01', diagnosisCodes: ['F43.10'] };
  const j2002 = {
    ...crps,
    drug: undefined,
    route: undefined,
    dateOfService: '2024-09-01',
    procedureCodes: ['96365', 'J2002'],
    diagnosisCodes: ['M79.7'],
  };
  const input = [psych, j2002].map((o) => JSON.stringify(o)).join('\n');

  it('--as-of decides under the versions then in force; codes keep the date of service', () => {
    const now = rows(run([], input).stdout);
    assert.equal(now[0]!.policyVersion, '2023-12');
    assert.equal(now[0]!.outcome, 'not-covered');
    const old = rows(run(['--as-of', '2018-06-01'], input).stdout);
    assert.equal(old[0]!.policyVersion, '2014-10');
    assert.equal(old[0]!.outcome, 'out-of-scope');
    const later = rows(run(['--as-of', '2025-01-01'], input).stdout);
    assert.equal(later[1]!.policyVersion, '2024-11');
    assert.ok(
      (later[1]!.warnings as string[]).includes('code-not-effective'),
      'J2002 is still not valid on 2024-09-01',
    );
  });

  it('--diff-versions writes only the lines that change, and the summary counts them', () => {
    const r = run(
      ['--diff-versions', '2018-06-01,2025-01-01', '--out', join(dir, 'd.ndjson')],
      input,
    );
    assert.equal(r.status, 0, r.stderr);
    const out = rows(readFileSync(join(dir, 'd.ndjson'), 'utf8'));
    assert.equal(out.length, 1);
    assert.equal((out[0]!.from as { outcome: string }).outcome, 'out-of-scope');
    assert.equal((out[0]!.to as { version: string }).version, 'bcbsal-mp-446@2024-11');
    const s = JSON.parse(r.stdout);
    assert.equal(s.changes.changed, 1);
    assert.equal(s.changes.unchanged, 1);
  });

  it('rejects a date that is not one', () => {
    const r = run(['--as-of', '2025-02-30'], input);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--as-of .*2025-02-30/);
  });
});

describe('medpolicy screen: resume, summary, report', () => {
  const input = file('r.ndjson', lines(20_000, 11).map(toNdjson).join('\n') + '\n');
  const full = join(dir, 'full.ndjson');
  run([input, '--out', full, '--summary', join(dir, 'full.json')]);
  const expected = readFileSync(full, 'utf8');

  for (const output of ['ndjson', 'csv'] as const)
    it(`--resume after a run cut mid-row continues without duplicating or losing rows (${output})`, async () => {
      const ref = join(dir, `ref.${output}`);
      await inproc([input, '--output', output, '--out', ref]);
      const want = readFileSync(ref, 'utf8');
      for (const frac of [0, 0.37, 0.999]) {
        const part = join(dir, `part-${frac}.${output}`);
        writeFileSync(part, want);
        truncateSync(part, Math.floor(want.length * frac) + (frac > 0 ? 7 : 0));
        const r = await inproc([
          input,
          '--output',
          output,
          '--out',
          part,
          '--resume',
          '--summary',
          join(dir, 'p.json'),
        ]);
        assert.ok(r.status === 0 || r.status === 1, r.stderr);
        assert.equal(readFileSync(part, 'utf8'), want, `cut at ${frac}`);
        const s = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
        assert.equal(s.lines, 20_000);
      }
    });

  it('--resume counts CSV rows whose claim id holds a line break as one row each', async () => {
    const body = lines(3000, 13).map(toCsv);
    for (let i = 1; i < body.length; i += 50) body[i] = body[i]!.replace(/^(C\d+)/, '"$1\nX"');
    const csvIn = file('nl.csv', [CSV_GENERATED_HEADER, ...body].join('\n') + '\n');
    const ref = join(dir, 'nl-ref.csv');
    await inproc([csvIn, '--output', 'csv', '--out', ref]);
    const want = readFileSync(ref, 'utf8');
    for (const frac of [0.3, 0.61]) {
      const part = join(dir, 'nl-part.csv');
      // Cut just inside a quoted claim id, where a plain newline count would go wrong.
      const at = want.indexOf('\nX"', Math.floor(want.length * frac)) + 1;
      writeFileSync(part, want.slice(0, at));
      await inproc([csvIn, '--output', 'csv', '--out', part, '--resume']);
      assert.equal(readFileSync(part, 'utf8'), want, `cut at ${frac}`);
    }
  });

  it('--resume after a killed process', async () => {
    const big = file('big.ndjson', lines(100_000, 5).map(toNdjson).join('\n') + '\n');
    const out = join(dir, 'killed.ndjson');
    const child = spawn(process.execPath, [bin, 'screen', '--no-progress', big, '--out', out]);
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      child.once('exit', (_code, signal) => r(signal)),
    );
    // Kill it as soon as it has written something (mid-run, mid-row as likely as not).
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 25));
      try {
        if (statSync(out).size > 0) break;
      } catch {
        // not created yet
      }
    }
    child.kill('SIGKILL');
    // The kill must land mid-run, with rows written: otherwise nothing here tests resuming.
    assert.equal(await exited, 'SIGKILL', 'the run ended before it was killed');
    const cut = readFileSync(out, 'utf8');
    const before = cut.length;
    assert.ok(before > 0, 'killed before it wrote anything');
    const whole = cut.split('\n').length - 1;
    const r = await inproc([big, '--out', out, '--resume', '--summary', join(dir, 'k.json')]);
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const ref = join(dir, 'killed-ref.ndjson');
    await inproc([big, '--out', ref]);
    assert.equal(readFileSync(out, 'utf8'), readFileSync(ref, 'utf8'), `killed at ${before} bytes`);
    assert.equal(JSON.parse(readFileSync(join(dir, 'k.json'), 'utf8')).run.resumedRows, whole);
  });

  it('the summary counts every row written, and the report is self-contained HTML', async () => {
    const report = join(dir, 'r.html');
    await inproc([
      input,
      '--out',
      join(dir, 'x.ndjson'),
      '--summary',
      join(dir, 'x.json'),
      '--report',
      report,
    ]);
    const s = JSON.parse(readFileSync(join(dir, 'x.json'), 'utf8'));
    const written = rows(expected);
    assert.equal(s.lines, written.length);
    assert.equal(s.errors, written.filter((o) => o.error).length);
    const byOutcome: Record<string, number> = {};
    for (const o of written)
      if (o.outcome) byOutcome[o.outcome as string] = (byOutcome[o.outcome as string] ?? 0) + 1;
    assert.deepEqual(s.byOutcome, byOutcome);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /<script|https?:\/\//);
    // Each outcome's bar carries its count (the legend names every outcome whatever the counts).
    for (const [o, n] of Object.entries(s.byOutcome as Record<string, number>))
      assert.ok(html.includes(`<title>${o}: ${n}</title>`), `no bar '${o}: ${n}'`);
  });
});

describe('medpolicy screen: drug names and kinds of out-of-scope', () => {
  const lines = [
    { ...crps, drug: 'Ketamine HCl' }, // decided as ketamine
    { ...crps, payer: 'bcbsma', diagnosisCodes: ['F33.2'] }, // refers elsewhere (#087)
    { ...crps, payer: 'bcbsma', lineOfBusiness: 'fep' }, // product not governed
    { ...crps, diagnosisCodes: ['G89.3'] }, // excluded use (cancer pain)
    { ...crps, drug: 'magnesium sulfate' }, // not addressed
    { ...crps, payer: 'medica', dateOfService: '2022-01-01' }, // no version in force
    { ...crps, drug: 'ketamin' }, // refused: unknown drug
  ].map((l) => JSON.stringify(l));

  it('rows carry outOfScopeReason, the summary counts each kind, the report names them', () => {
    const report = join(dir, 'kinds.html');
    const summary = join(dir, 'kinds.json');
    const r = run(['-', '--summary', summary, '--report', report], lines.join('\n') + '\n');
    assert.equal(r.status, 1, r.stderr);
    const out = rows(r.stdout);
    assert.deepEqual(
      out.map((o) => o.outOfScopeReason ?? o.outcome ?? (o.error as { code: string }).code),
      [
        'not-covered',
        'refers-elsewhere',
        'product-not-governed',
        'excluded-use',
        'not-addressed',
        'no-version-in-force',
        'unknown-drug',
      ],
    );
    assert.equal((out[6]!.error as { path: string }).path, '/drug');
    assert.match((out[6]!.error as { hint: string }).hint, /did you mean 'ketamine'\?/);
    const s = JSON.parse(readFileSync(summary, 'utf8'));
    assert.deepEqual(s.byOutOfScopeReason, {
      'excluded-use': 1,
      'no-version-in-force': 1,
      'not-addressed': 1,
      'product-not-governed': 1,
      'refers-elsewhere': 1,
    });
    assert.deepEqual(s.errorsByCode, { 'unknown-drug': 1 });
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<h2>Out of scope, by kind<\/h2>/);
    for (const words of [
      'refers elsewhere',
      'product not governed',
      'excluded use',
      'not addressed',
      'no version in force',
    ])
      assert.ok(html.includes(`<title>${words}: 1</title>`), `no bar for ${words}`);
    assert.match(html, /sends this case to another policy/);
  });

  it('the fast paths and the general path give the same rows (one and two workers)', () => {
    const many = Array.from({ length: 400 }, (_, i) => lines[i % lines.length]).join('\n') + '\n';
    const input = file('kinds.ndjson', many);
    const one = run([input]);
    const two = run([input, '--workers', '2']);
    assert.equal(two.stdout, one.stdout);
    const refused = Array.from({ length: 400 }, (_, i) => i % lines.length === 6).filter(Boolean);
    assert.equal(rows(one.stdout).filter((o) => o.error).length, refused.length);
  });

  it('CSV: a drug column the catalog does not know is an error row naming the column', () => {
    const csv =
      'payer,date_of_service,drug,route,diagnosis_codes\n' +
      'bcbsal,2025-09-15,Lidocaine HCl,intravenous,M79.7\n' +
      'bcbsal,2025-09-15,ketamin,intravenous,G90.521\n' +
      'bcbsma,2025-09-15,ketamine,intravenous,F33.2\n';
    const r = run([file('drugs.csv', csv), '--output', 'csv']);
    assert.equal(r.status, 1, r.stderr);
    const [head, ...body] = r.stdout.trim().split('\n');
    const cols = head!.split(',');
    const at = (line: string, col: string) => line.split(',')[cols.indexOf(col)];
    assert.ok(cols.includes('out_of_scope_reason'));
    assert.equal(at(body[0]!, 'outcome'), 'not-covered');
    assert.equal(at(body[1]!, 'error_code'), 'unknown-drug');
    assert.equal(at(body[1]!, 'error_path'), '/drug');
    assert.equal(at(body[2]!, 'out_of_scope_reason'), 'refers-elsewhere');
    assert.equal(
      body.every((l) => l.split(',').length >= cols.length),
      true,
    );
  });
});
