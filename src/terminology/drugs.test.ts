import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadContext } from '../service/load-context.js';
import { compileDrugs } from './drugs.js';

test('the drug catalog resolves names and RxNorm ingredient codes from drugs.yaml', () => {
  const { drugs } = loadContext({}).terminology;
  assert.equal(drugs.resolve('Ketalar')?.id, 'ketamine');
  assert.equal(drugs.byRxnorm('6130')?.id, 'ketamine');
  assert.equal(drugs.byRxnorm('6387')?.id, 'lidocaine');
  assert.equal(drugs.byRxnorm('2119365')?.id, 'esketamine');
  assert.equal(drugs.byRxnorm('999999'), undefined);
});

test('two drugs claiming one RxNorm code is a load error', () => {
  assert.throws(
    () =>
      compileDrugs({
        description: 'test',
        drugs: [
          { id: 'a', label: 'A', classes: [], rxnorm: '1', rationale: 'x' },
          { id: 'b', label: 'B', classes: [], rxnorm: '1', rationale: 'x' },
        ],
      }),
    /RxNorm code "1" is claimed twice/,
  );
});
