import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// V8's hidden classes are only visible with its natives syntax, which a test process should not
// run under: a child process checks them.
function sameClass(expression: string): string {
  const module = fileURLToPath(new URL('./empty-list.js', import.meta.url));
  const routes = fileURLToPath(new URL('./criteria/infer-drug-and-route.js', import.meta.url));
  const r = spawnSync(
    process.execPath,
    [
      '--allow-natives-syntax',
      '--input-type=module',
      '-e',
      `const { emptyList, kept } = await import(${JSON.stringify(module)});
       const { NO_ROUTES } = await import(${JSON.stringify(routes)});
       console.log(${expression});`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('emptyList', () => {
  it('is empty, and of the hidden class of filled lists of strings and objects', () => {
    assert.equal(sameClass('emptyList().length'), '0');
    assert.equal(sameClass(`%HaveSameMap(emptyList(), ['intravenous'])`), 'true');
    assert.equal(sameClass('%HaveSameMap(emptyList(), [{}])'), 'true');
    // What it replaces: an empty literal is a class of its own, and so are the engine's constants
    // unless they are made this way.
    assert.equal(sameClass(`%HaveSameMap([], ['intravenous'])`), 'false');
    assert.equal(sameClass(`%HaveSameMap(NO_ROUTES, ['intravenous'])`), 'true');
  });

  it('keeps what passes, in a list of that class whether or not anything passed', () => {
    assert.equal(sameClass('JSON.stringify(kept([1, 2, 3, 4], (n) => n % 2 === 0))'), '[2,4]');
    assert.equal(sameClass('%HaveSameMap(kept([{}], () => false), [{}])'), 'true');
    assert.equal(sameClass('%HaveSameMap(kept([{}], () => true), [{}])'), 'true');
    assert.equal(sameClass(`%HaveSameMap(kept(['a', 'b'], () => false), emptyList())`), 'true');
  });
});
