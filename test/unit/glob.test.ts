import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/template/glob.js';

describe('file-rule globs', () => {
  it('match as the authoring guide says: * within a name, ** across folders, ?, {a,b}', () => {
    const table: Array<[string, string, boolean]> = [
      ['README.md', 'README.md', true],
      ['README.md', 'docs/README.md', false],
      ['src/**', 'src/a/b/c.ts', true],
      ['src/**', 'lib/a.ts', false],
      ['docs/runbooks/**', 'docs/runbooks/high-latency.md', true],
      ['**/*.yaml', 'deploy/base/kustomization.yaml', true],
      ['**/*.yaml', 'top.yaml', true],
      ['*.md', 'docs/x.md', false],
      ['?.txt', 'a.txt', true],
      ['?.txt', 'ab.txt', false],
      ['.env{,.example}', '.env', true],
      ['.env{,.example}', '.env.example', true],
      ['.env{,.example}', '.env.local', false],
      ['a.b', 'axb', false],
      ['{unclosed', '{unclosed', true],
    ];
    for (const [glob, path, expected] of table) expect(globMatcher(glob)(path), `${glob} ~ ${path}`).toBe(expected);
  });

  it('match in linear time: a glob that makes a backtracking engine run for minutes returns at once', () => {
    // As a JavaScript RegExp, ^(?:[^/]*a){12}b$ against 60 a's explores C(60,12) splits.
    const hostile = `${'*a'.repeat(12)}b`;
    expect(globMatcher(hostile)('a'.repeat(60))).toBe(false);
    expect(globMatcher(`${'**a'.repeat(20)}b`)(`${'a'.repeat(4000)}`)).toBe(false);
    expect(globMatcher(hostile)(`${'a'.repeat(59)}b`)).toBe(true);
  });
});
