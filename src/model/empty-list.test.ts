import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// V8's hidden classes are only visible with its natives syntax, which a test process should not
// run under: one child process evaluates every expression, each to a line of its output.
function evaluated(expressions: readonly string[]): string[] {
  const module = fileURLToPath(new URL('./empty-list.js', import.meta.url));
  const routes = fileURLToPath(
    new URL('../engine/criteria/infer-drug-and-route.js', import.meta.url),
  );
  const r = spawnSync(
    process.execPath,
    [
      '--allow-natives-syntax',
      '--input-type=module',
      '-e',
      `const { emptyList, kept, listOf } = await import(${JSON.stringify(module)});
       const { NO_ROUTES } = await import(${JSON.stringify(routes)});
       ${expressions.map((e) => `console.log(String(${e}));`).join('\n')}`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

describe('emptyList, kept and listOf', () => {
  it('make lists of the hidden class of filled lists of strings and objects', () => {
    const cases: [string, string][] = [
      ['emptyList().length', '0'],
      [`%HaveSameMap(emptyList(), ['intravenous'])`, 'true'],
      ['%HaveSameMap(emptyList(), [{}])', 'true'],
      // What emptyList replaces: an empty literal is a class of its own.
      [`%HaveSameMap([], ['intravenous'])`, 'false'],
      [`%HaveSameMap(NO_ROUTES, ['intravenous'])`, 'true'],
      ['JSON.stringify(kept([1, 2, 3, 4], (n) => n % 2 === 0))', '[2,4]'],
      ['%HaveSameMap(kept([{}], () => false), [{}])', 'true'],
      ['%HaveSameMap(kept([{}], () => true), [{}])', 'true'],
      [`%HaveSameMap(kept(['a', 'b'], () => false), emptyList())`, 'true'],
      // listOf: the first n items, a list of their own, of the same class for every n.
      ...[0, 1, 2, 3, 4, 5, 6].flatMap((n): [string, string][] => [
        [
          `JSON.stringify(listOf(['a', 'b', 'c', 'd', 'e', 'f', 'g'], ${n}))`,
          JSON.stringify(['a', 'b', 'c', 'd', 'e', 'f', 'g'].slice(0, n)),
        ],
        [`%HaveSameMap(listOf(['a', 'b', 'c', 'd', 'e', 'f'], ${n}), emptyList())`, 'true'],
        [`%HaveSameMap(listOf([{}, {}, {}, {}, {}, {}], ${n}), [{}])`, 'true'],
      ]),
      [`(() => { const s = ['a', 'b']; return listOf(s, 2) !== s; })()`, 'true'],
    ];
    assert.deepEqual(
      evaluated(cases.map(([e]) => e)).map((out, i) => [cases[i]![0], out]),
      cases,
    );
  });
});
