import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadScenarioCases } from '../../policies/scenario-cases.js';
import { loadContext } from '../../service/load-context.js';
import { fastChecks, fastValidator } from '../../service/validate-request-fast.js';
import { envelopeValues, ndjsonRequestReader } from './ndjson-request-reader.js';
import { ENVELOPE } from './screener.js';

const ctx = loadContext({});
const checks = fastChecks(ctx);
const reader = ndjsonRequestReader(checks);
const general = fastValidator(ctx, checks);

/**
 * The byte reader either declines a line or gives exactly what the general way gives:
 * JSON.parse, the envelope taken as the screener takes it, then validation.
 */
function agree(line: string, label: string): boolean {
  const b = Buffer.from(`xx${line}yy`); // the line sits inside a larger buffer, as in a chunk
  const got = reader.read(b, 2, b.length - 2);
  if (got === undefined) return false;
  // The general way parses the decoded bytes (a random edit can split a surrogate pair).
  const obj = JSON.parse(b.toString('utf8', 2, b.length - 2)) as Record<string, unknown>;
  const v = general.validate(obj, ENVELOPE);
  assert.ok(v.ok, `${label}: the reader took a line the validator rejects: ${line}`);
  assert.deepEqual(got, v.value, `${label}: ${line}`);
  const e = reader.envelope;
  const { claimId, claimLine } = envelopeValues(e, b);
  assert.equal(claimId, obj.claimId === undefined ? undefined : String(obj.claimId), label);
  assert.equal(claimLine, obj.claimLine, label);
  // A row copies the envelope's bytes as they stand: they must be what JSON writes.
  const json = (s: number, x: number) => b.toString('utf8', s, x);
  if (claimId !== undefined) assert.equal(`"${json(e.idStart, e.idEnd)}"`, JSON.stringify(claimId));
  if (claimLine !== undefined)
    assert.equal(
      e.lineIsNumber ? json(e.lineStart, e.lineEnd) : `"${json(e.lineStart, e.lineEnd)}"`,
      JSON.stringify(claimLine),
      label,
    );
  return true;
}

const cases = loadScenarioCases();
const base = (i: number) => ({
  claimId: `C${i}`,
  claimLine: (i % 7) + 1,
  ...cases[i % cases.length]!.request,
});

// Edits a fuzzer would make to the text of a line.
const EDITS: ((s: string, r: () => number) => string)[] = [
  (s) => s.replace(/"claimId":"[^"]*"/, '"claimId":"Ç-😀"'),
  (s) => s.replace(/"claimId":"[^"]*"/, '"claimId":"a\\"b"'),
  // Characters JSON.stringify leaves as they are: a row copies the id's bytes.
  (s) => s.replace(/"claimId":"[^"]*"/, '"claimId":"a\u007fb\u2028c"'),
  (s) => s.replace(/"claimLine":\d+/, '"claimLine":"7\u00e9"'),
  (s) => s.replace(/"claimId":"[^"]*"/, '"claimId":12'),
  (s) => s.replace(/"claimLine":\d+/, '"claimLine":"7"'),
  (s) => s.replace(/"claimLine":\d+/, '"claimLine":1.5'),
  (s) => s.replace(/"claimLine":\d+/, '"claimLine":1e2'),
  (s) => s.replace(/"claimLine":\d+/, '"claimLine":0'),
  (s) => s.replace(/"claimLine":\d+/, '"claimLine":-3'),
  (s) => s.replace(/"claimLine":\d+/, '"claimLine":12345678901234567'),
  (s) => s.replace(/"payer":"[^"]*"/, '"payer":"BCBSMA"'),
  (s) => s.replace(/"payer":"[^"]*"/, '"payer":"bcbs\\u006da"'),
  (s) => s.replace(/"dateOfService":"[^"]*"/, '"dateOfService":"2025-02-30"'),
  (s) => s.replace(/"dateOfService":"[^"]*"/, '"dateOfService":"2024-02-29"'),
  (s) => s.replace(/"dateOfService":"[^"]*"/, '"dateOfService":"2025-9-15"'),
  (s) => s.replace(/"dateOfService":"[^"]*"/, '"dateOfService":"2025-09-15T00:00"'),
  (s) => s.replace(/"diagnosisCodes":\[/, '"diagnosisCodes":["g90.50",'),
  (s) => s.replace(/"diagnosisCodes":\[/, '"diagnosisCodes":["G90.5O",'),
  (s) => s.replace(/"diagnosisCodes":\[/, '"diagnosisCodes":[ "F32.A" , '),
  (s) => s.replace(/"procedureCodes":\[/, '"procedureCodes":["j3490",'),
  (s) => s.replace(/"procedureCodes":\[/, '"procedureCodes":["9636",'),
  (s) => s.replace(/"procedureCodes":\[[^\]]*\]/, '"procedureCodes":[]'),
  (s) =>
    s.replace(/"procedureCodes":\[[^\]]*\]/, `"procedureCodes":[${'"96365",'.repeat(50)}"96365"]`),
  (s) => s.replace(/}$/, ',"drug":"  Ketamine "}'),
  (s) => s.replace(/}$/, ',"drug":""}'),
  // Drug names as claims write them, and ones the catalog does not know.
  (s) => s.replace(/}$/, ',"drug":"Ketamine HCl"}'),
  (s) => s.replace(/}$/, ',"drug":"lidocaine hcl"}'),
  (s) => s.replace(/}$/, ',"drug":"Ketalar"}'),
  (s) => s.replace(/}$/, ',"drug":"magnesium sulfate"}'),
  (s) => s.replace(/}$/, ',"drug":"ketamin"}'),
  (s) => s.replace(/}$/, ',"drug":"infliximab"}'),
  (s) => s.replace(/}$/, ',"homePlan":"bcbsma"}'),
  (s) => s.replace(/}$/, ',"medicarePrimary":true}'),
  (s) => s.replace(/}$/, ',"groupPolicy":null}'),
  (s) => s.replace(/}$/, ',"providerParticipating":"true"}'),
  (s) => s.replace(/}$/, ',"route":"IV"}'),
  (s) => s.replace(/}$/, ',"setting":"home"}'),
  (s) => s.replace(/}$/, ',"indication":"crps"}'),
  (s) => s.replace(/}$/, ',"facts":{"primary-medicare-covered":true}}'),
  (s) => s.replace(/}$/, ',"payer":"bcbsma"}'), // a repeated key
  (s) => s.replace(/}$/, ',"extra":1}'),
  (s) => s.replace(/}$/, ',"__proto__":{}}'),
  (s) => s.replace(/}$/, '} '),
  (s) => s.replace(/}$/, '}x'),
  (s) => ' ' + s.replace(/,/g, ' , ').replace(/:/g, ': '),
  (s) => s.replace(/,/g, '\t,'),
  (s) => s.slice(0, -1),
  (s, r) => s.slice(0, Math.floor(r() * s.length)),
  (s, r) => {
    const i = Math.floor(r() * s.length);
    return s.slice(0, i) + s.slice(i + 1);
  },
  (s, r) => {
    const i = Math.floor(r() * s.length);
    return s.slice(0, i) + '"{}[],:0\\ e-'[Math.floor(r() * 12)] + s.slice(i);
  },
  // One letter of a key or value changed: the line stays JSON, and a key or a known value that
  // is one letter off must not be taken for the real one.
  (s, r) => {
    const letters = [...s.matchAll(/[a-zA-Z]/g)];
    const i = letters[Math.floor(r() * letters.length)]!.index;
    return s.slice(0, i) + 'aclrstxP'[Math.floor(r() * 8)] + s.slice(i + 1);
  },
];

/** A small seeded generator: the same cases on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

describe('the NDJSON byte reader', () => {
  it('reads every scenario request exactly as JSON.parse and validation do', () => {
    const n = cases.length;
    let taken = 0;
    let valid = 0;
    let withFacts = 0;
    for (let i = 0; i < n; i++) {
      const line = JSON.stringify(base(i));
      // Facts are a nested object, not the flat shape the reader takes: they go the general way.
      const plain = !line.includes('"facts":');
      if (!plain) withFacts++;
      if (plain && general.validate(JSON.parse(line), ENVELOPE).ok) valid++;
      if (agree(line, `case ${i}`)) taken++;
    }
    assert.ok(withFacts > 0, 'no scenario request gives facts');
    // The shortcut must actually be taken: every valid plain line is.
    assert.equal(taken, valid);
    assert.ok(taken > n / 2, `${taken} of ${n} taken`);
  });

  it('declines or agrees on 20,000 edited lines', () => {
    const r = random(7);
    let taken = 0;
    let declined = 0;
    for (let i = 0; i < 20_000; i++) {
      let line = JSON.stringify(base(i));
      const edits = 1 + Math.floor(r() * 3);
      for (let k = 0; k < edits; k++) line = EDITS[Math.floor(r() * EDITS.length)]!(line, r);
      let parsed = true;
      try {
        JSON.parse(Buffer.from(line).toString('utf8'));
      } catch {
        parsed = false;
      }
      if (!parsed) {
        const b = Buffer.from(line);
        assert.equal(reader.read(b, 0, b.length), undefined, `not JSON, yet read: ${line}`);
        declined++;
        continue;
      }
      if (agree(line, `edit ${i}`)) taken++;
      else declined++;
    }
    assert.ok(taken > 2_000 && declined > 2_000, `taken ${taken}, declined ${declined}`);
  });

  it('takes the drug names the catalog knows and declines the others, as the validator does', () => {
    const line = (drug: string) =>
      JSON.stringify({ payer: 'bcbsal', dateOfService: '2025-09-15', drug, route: 'intravenous' });
    for (const drug of ['Ketamine HCl', 'ketamine hydrochloride', 'Ketalar', 'Xylocaine']) {
      assert.ok(agree(line(drug), drug), `${drug} declined`);
    }
    for (const drug of ['ketamin', 'infliximab', ' ']) {
      const b = Buffer.from(line(drug));
      assert.equal(reader.read(b, 0, b.length), undefined, `${drug} read`);
      const v = general.validate(JSON.parse(line(drug)), ENVELOPE);
      assert.ok(!v.ok && v.problems[0]!.code === 'unknown-drug' && v.problems[0]!.path === '/drug');
    }
  });

  it('reads each date as the validator does, the first time and when the day comes again', () => {
    const line = (date: string) => JSON.stringify({ payer: 'bcbsal', dateOfService: date });
    // Days inside and outside the reader's table of days (1900–2299), real and impossible.
    const dates = ['2025-09-15', '2024-02-29', '2025-02-29', '2025-04-31', '2025-00-10'];
    dates.push('2025-13-01', '2025-01-00', '2025-01-32', '1900-01-01', '1899-12-31');
    dates.push('2299-12-31', '2300-01-01', '0000-01-01', '9999-12-31', '2025-1a-01');
    for (const round of [1, 2]) {
      for (const date of dates) {
        const valid = general.validate(JSON.parse(line(date)), ENVELOPE).ok;
        assert.equal(
          agree(line(date), `${date}, round ${round}`),
          valid,
          `${date}, round ${round}`,
        );
      }
    }
  });

  it('remembers thousands of codes and tells apart those that differ in one byte', () => {
    // Enough distinct codes (1 to 9 characters, valid, unknown and malformed) that the reader's
    // memory of codes outgrows its first store, read twice: the second time from memory.
    const codes: string[] = [];
    const letters = 'ABFGMZ';
    for (let i = 0; codes.length < 6_000; i++) {
      const l = letters[i % letters.length]!;
      const n = String(i).padStart(2, '0');
      codes.push(
        `${l}${n.slice(0, 2)}.${n.slice(2)}`,
        `${l}${n}`,
        `${l}${n}X`.slice(0, 1 + (i % 9)),
      );
    }
    const line = (code: string) =>
      JSON.stringify({
        payer: 'bcbsal',
        dateOfService: '2025-09-15',
        diagnosisCodes: [code, code + '1'],
      });
    for (const round of [1, 2]) {
      for (const code of codes) {
        const valid = general.validate(JSON.parse(line(code)), ENVELOPE).ok;
        assert.equal(
          agree(line(code), `${code}, round ${round}`),
          valid,
          `${code}, round ${round}`,
        );
      }
    }
  });
});
