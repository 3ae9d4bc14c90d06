import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepFreeze, freezeSharedParts, frozenByDeepFreeze } from './deep-freeze.js';

describe('deepFreeze', () => {
  it('freezes plain objects and arrays all the way down, inside Maps and Sets too', () => {
    const leaf = { quote: 'words' };
    const inMap = { id: 'p' };
    const inSet = [1];
    const v = deepFreeze({ list: [{ leaf }], map: new Map([['k', inMap]]), set: new Set([inSet]) });
    for (const o of [v, v.list, v.list[0], leaf, inMap, inSet]) assert.ok(Object.isFrozen(o));
    assert.throws(() => {
      (leaf as { quote: string }).quote = 'other';
    }, TypeError);
  });

  it('leaves Maps, Sets, RegExps and typed arrays usable', () => {
    const v = deepFreeze({ map: new Map<string, number>(), re: /a/g, bytes: new Uint8Array(2) });
    v.map.set('memo', 1);
    assert.equal(v.map.get('memo'), 1);
    assert.ok(v.re.test('a'));
    v.bytes[0] = 1;
    assert.equal(v.bytes[0], 1);
  });

  it('ends on a cycle', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    assert.ok(Object.isFrozen(deepFreeze(a)));
  });
});

describe('frozenByDeepFreeze', () => {
  it('tells the objects deepFreeze froze from those frozen otherwise', () => {
    const compiled = deepFreeze({ reasons: [{ text: 'words' }] });
    assert.ok(frozenByDeepFreeze(compiled));
    assert.ok(frozenByDeepFreeze(compiled.reasons[0]!));
    assert.ok(!frozenByDeepFreeze(Object.freeze({ text: 'words' })));
  });
});

describe('freezeSharedParts', () => {
  it('deep-freezes what answers share, found by key inside lists and Maps, and nothing else', () => {
    const reason = { text: 'words', citation: { quote: 'q', line: 1, source: 's' } };
    const statement = { id: 's1', reasons: [reason], indications: ['chronic-pain'] };
    const version = { ref: { id: 'p', version: 'v1' }, statements: [statement] };
    const set = freezeSharedParts({ byPayer: new Map([['x', [{ versions: [version] }]]]) });
    assert.ok(Object.isFrozen(version.ref));
    assert.ok(Object.isFrozen(statement.reasons) && Object.isFrozen(reason));
    assert.ok(Object.isFrozen(reason.citation));
    assert.ok(frozenByDeepFreeze(reason));
    assert.ok(!Object.isFrozen(version.statements));
    assert.ok(!Object.isFrozen(statement) && !Object.isFrozen(statement.indications));
    assert.ok(!Object.isFrozen(set));
  });
});
