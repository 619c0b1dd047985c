/**
 * SECURITY.md promise: a rendered path never leaves the target (no "..", absolute path, drive
 * letter, backslash, .git/), and no two written paths collide by case or Unicode normalisation.
 * Fuzzed with fast-check: for any answers, renderTemplate either refuses with exit 5 or returns
 * only safe, distinct paths.
 */
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeTemplate } from '../helpers/template.js';
import { renderTemplate } from '../../src/render/render.js';
import { PlatformError } from '../../src/core/errors.js';

const MANIFEST = `name: fuzz
version: 1.0.0
questions:
  - name: a
    type: string
  - name: b
    type: string
`;

/** Pieces attackers reach for, mixed with arbitrary (including lone-surrogate and control) text. */
const NASTY = [
  '..', '.', '/', '//', '\\', '\\..\\', 'C:', 'c:\\', 'Z:/', '.git', '.GIT', '.Git', '.git/', 'CON', 'con', 'Nul', 'COM1', 'LPT¹',
  'aux.txt', '\0', '\u0001', '\n', ' ', '.', '~', '%2e%2e', 'é', 'e\u0301', 'É', 'E\u0301', 'İ', 'ı', 'ß', 'ẞ', 'ﬁ', 'K', '\u212A',
  'Å', '\u212B', 'A\u030A', '.platform.yaml', '.platform-staging', 'a', 'B', 'file', '\uD800', '😀', '<', '>', ':', '|', '?', '*', '"',
];
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
);
const answer = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));

/** An oracle written independently of paths.ts: what "stays inside the target" means. */
function unsafe(path: string): string | undefined {
  if (path.includes('\0')) return 'NUL';
  if (path.includes('\\')) return 'backslash';
  if (posix.isAbsolute(path)) return 'absolute';
  if (/^[a-z]:/i.test(path)) return 'drive letter';
  const normal = posix.normalize(path);
  if (normal !== path) return `not normal (${normal})`;
  if (normal === '..' || normal.startsWith('../')) return 'climbs out';
  const segments = normal.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) return 'dot or empty segment';
  if (segments.some((s) => s.normalize('NFC').toLowerCase().replace(/[. ]+$/, '') === '.git')) return '.git segment';
  if (segments.some((s) => /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(s))) return 'Windows device name';
  if (['.platform.yaml', '.platform-staging'].includes(segments[0]!)) return 'the CLI\'s own file';
  return undefined;
}

const foldKey = (path: string) => path.normalize('NFC').toLowerCase();

describe('fuzz: rendered paths stay inside the target', () => {
  it('accepts only safe paths, otherwise refuses with exit 5 (one file {{a}}/{{b}}.txt)', async () => {
    const template = await makeTemplate(MANIFEST, { '{{a}}/{{b}}.txt': 'x' });
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(answer, answer, (a, b) => {
        let tree;
        try {
          tree = renderTemplate(template, { answers: { a, b }, targetName: 't' });
        } catch (error) {
          expect(error).toBeInstanceOf(PlatformError);
          expect((error as PlatformError).exitCode, (error as Error).message).toBe(5);
          refused++;
          return;
        }
        for (const path of tree.keys()) {
          expect(unsafe(path), JSON.stringify(path)).toBeUndefined();
          expect(path.endsWith('.txt')).toBe(true);
          accepted++;
        }
      }),
      { numRuns: 3000 },
    );
    // The generator reaches both outcomes, so the property is not vacuous.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it('never returns two paths that collide by case or NFC (files {{a}}/{{b}}.txt, {{b}}/{{a}}.txt, {{a}}.txt, {{b}}.txt)', async () => {
    const template = await makeTemplate(MANIFEST, { '{{a}}/{{b}}.txt': '1', '{{b}}/{{a}}.txt': '2', '{{a}}.txt': '3', '{{b}}.txt': '4' });
    const letters = fc.array(fc.constantFrom('a', 'A', 'é', 'e\u0301', 'É', 'E\u0301', 'ß', 'k', 'K', 'Å', 'A\u030A', '\u212B'), { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
    const name = fc.oneof(letters, answer);
    // Half the pairs are b = a under a case change or another normalisation form, so collisions are common.
    const pair = fc.oneof(
      fc.tuple(name, name),
      fc.tuple(letters, fc.constantFrom<(s: string) => string>((s) => s.toUpperCase(), (s) => s.toLowerCase(), (s) => s.normalize('NFD'), (s) => s.normalize('NFC'), (s) => s.normalize('NFD').toUpperCase())).map(([a, f]) => [a, f(a)] as [string, string]),
    );
    let collisionsRefused = 0;
    fc.assert(
      fc.property(pair, ([a, b]) => {
        let tree;
        try {
          tree = renderTemplate(template, { answers: { a, b }, targetName: 't' });
        } catch (error) {
          expect(error).toBeInstanceOf(PlatformError);
          expect((error as PlatformError).exitCode, (error as Error).message).toBe(5);
          if ((error as PlatformError).code === 'template-case-collision' || (error as PlatformError).code === 'template-duplicate-path') collisionsRefused++;
          return;
        }
        const keys = [...tree.keys()];
        for (const path of keys) expect(unsafe(path), JSON.stringify(path)).toBeUndefined();
        expect(new Set(keys.map(foldKey)).size, JSON.stringify(keys)).toBe(keys.length);
      }),
      { numRuns: 3000 },
    );
    expect(collisionsRefused).toBeGreaterThan(300);
  });

  it('refuses (exit 5) or leaves out (an empty segment) the classic escapes (examples the fuzzer must keep covering)', async () => {
    const template = await makeTemplate(MANIFEST, { '{{a}}/{{b}}.txt': 'x' });
    for (const [a, b] of [['..', 'x'], ['.GIT', 'config'], ['C:', 'x'], ['a\\..\\..', 'x'], ['/etc', 'passwd'], ['CON', 'x'], ['a', 'b\0'], ['.git ', 'x'], ['x/../..', 'y']]) {
      let error: unknown;
      let written: string[] = [];
      try {
        written = [...renderTemplate(template, { answers: { a, b }, targetName: 't' }).keys()];
      } catch (e) {
        error = e;
      }
      if (error === undefined) {
        // "/etc" renders the path "/etc/b.txt", whose first segment is empty: the file is left out.
        expect(written, JSON.stringify([a, b])).toEqual([]);
      } else {
        expect(error, JSON.stringify([a, b])).toBeInstanceOf(PlatformError);
        expect((error as PlatformError).exitCode).toBe(5);
      }
    }
  });
});
