/**
 * SECURITY.md (class 6 of issue 11): a template's `pattern` runs on a linear-time engine (RE2),
 * so no pattern can hang the CLI; patterns it cannot run are refused at load and by lint.
 */
import { describe, expect, it } from 'vitest';
import { memoryFs } from '../helpers/memfs.js';
import { loadTemplate } from '../../src/template/load.js';
import { lintTemplate } from '../../src/authoring/lint.js';
import { PlatformError } from '../../src/core/errors.js';
import { compilePattern } from '../../src/template/pattern.js';
import { answerProblem, MAX_STRING_ANSWER } from '../../src/answers/value.js';
import type { Question } from '../../src/template/schema.js';

const manifest = (pattern: string): string => `name: svc\nversion: 1.0.0\nquestions:\n  - name: id\n    type: string\n    pattern: '${pattern}'\n`;
const question = (pattern?: string): Question => ({ name: 'id', type: 'string', ...(pattern !== undefined ? { pattern } : {}) }) as Question;

describe('template patterns', () => {
  it('evaluates ^(a+)+$ against 50,000 "a" and a "!" without backtracking, and rejects the answer', () => {
    const problem = answerProblem(question('^(a+)+$'), `${'a'.repeat(50_000)}!`);
    expect(problem).toBe('must be text matching /^(a+)+$/');
    expect(answerProblem(question('^(a+)+$'), 'aaaa')).toBeUndefined();
  }, 60_000);

  it('keeps the JavaScript meaning of ordinary patterns (unanchored test, \\u escapes, Unicode classes)', () => {
    const cases: Array<[string, string, boolean]> = [
      ['^[a-z][a-z0-9]*(-[a-z0-9]+)*$', 'payments-api', true],
      ['^[a-z][a-z0-9]*(-[a-z0-9]+)*$', 'Payments', false],
      ['api', 'my-api-x', true],
      ['^caf\\u00e9$', 'café', true],
      ['^\\u{1F600}$', '😀', true],
      ['^\\p{L}+$', 'héllo', true],
      ['^a$', 'a\n', false],
      ['^https?://[^\\s/?#]+(/[^\\s?#]*)?$', 'https://x.example/a', true],
    ];
    for (const [pattern, text, expected] of cases) {
      const compiled = compilePattern(pattern);
      expect(compiled.ok, pattern).toBe(true);
      if (compiled.ok) expect(compiled.pattern.test(text), `${pattern} on ${text}`).toBe(expected);
    }
  });

  it('refuses a lookahead pattern when the template is loaded, with the file and line', async () => {
    const { fs } = memoryFs({ '/t/template.yaml': manifest('^(?=a)a+$') });
    const error = await loadTemplate(fs, '/t', { kind: 'builtin' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    const e = error as PlatformError;
    expect(e.exitCode).toBe(2);
    expect(e.where).toMatchObject({ file: '/t/template.yaml', line: 6 });
    expect(e.message).toMatch(/questions\.0\.pattern: .*lookahead, lookbehind and backreferences are not supported/);
  });

  it('refuses a backreference and an invalid JavaScript pattern', () => {
    expect(compilePattern('^(a)\\1$')).toMatchObject({ ok: false });
    expect(compilePattern('(?P<x>a)')).toMatchObject({ ok: false, reason: expect.stringContaining('not a valid regular expression') });
  });

  it('is reported by template lint with its line', async () => {
    const { fs } = memoryFs({ '/t/template.yaml': manifest('^(?<!x)a$') });
    const problems = await lintTemplate(fs, '/t');
    const problem = problems.find((p) => p.severity === 'error' && /lookbehind/.test(p.message));
    expect(problem).toMatchObject({ file: 'template.yaml', line: 6 });
  });

  it('caps the length of a text answer with a clear message', () => {
    expect(answerProblem(question(), 'x'.repeat(MAX_STRING_ANSWER))).toBeUndefined();
    expect(answerProblem(question(), 'x'.repeat(MAX_STRING_ANSWER + 1))).toMatch(/at most 65536 characters/);
  });
});
