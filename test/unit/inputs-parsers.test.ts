/**
 * SECURITY.md (class 6 of issue 11): every YAML/JSON input goes through one reader that is
 * size-capped, alias-limited and linear in its input; input files are regular files only, checked
 * before they are opened.
 */
import { describe, expect, it } from 'vitest';
import { memoryFs } from '../helpers/memfs.js';
import { PlatformError } from '../../src/core/errors.js';
import { MAX_INPUT_BYTES, parseYamlSource } from '../../src/core/yaml-source.js';
import { readInputFile } from '../../src/core/input-file.js';
import { parseAnswersFile } from '../../src/answers/file.js';
import { parseLockfile } from '../../src/lock/lockfile.js';
import { thrownPlatformError } from '../helpers/in-process.js';


async function rejected(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

const SHA = 'a'.repeat(64);

function bigLockfile(files: number): string {
  const lines = ['schemaVersion: 1', 'templates:', '  - name: service', '    version: 1.0.0', '    source: builtin', '    answers: {}', '    files:'];
  for (let i = 0; i < files; i++) lines.push(`      src/module-${i}/a-rather-long-file-name-${i}.ts: { policy: merge, sha256: ${SHA} }`);
  return `${lines.join('\n')}\n`;
}

describe('the YAML/JSON reader', () => {
  it('refuses a duplicate key with its line (found in the walk, not by the quadratic uniqueKeys)', () => {
    const error = thrownPlatformError(() => parseYamlSource('a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n', 'x.yaml', 'Answers file'));
    expect(error.code).toBe('yaml-parse');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('"c" appears twice');
    expect(error.where).toMatchObject({ file: 'x.yaml', line: 5 });
  });

  it('keeps 1 and "1" apart as keys, as YAML does', () => {
    expect(parseYamlSource('1: a\n"1": b\n', 'x.yaml', 'Template').data).toBeTruthy();
  });

  it('parses an answers file of 50,000 keys and locates each key by its line', () => {
    const text = Array.from({ length: 50_000 }, (_, i) => `q${i}: value ${i}`).join('\n');
    const answers = parseAnswersFile(text, 'answers.yaml');
    expect(answers.size).toBe(50_000);
    expect(answers.get('q49999')!.where).toMatchObject({ file: 'answers.yaml', line: 50_000 });
  }, 60_000);

  it('parses a ~10 MB lockfile', () => {
    const text = bigLockfile(80_000);
    expect(text.length).toBeGreaterThan(10_000_000);
    const lock = parseLockfile(text, '.platform.yaml');
    expect(Object.keys(lock.templates[0]!.files)).toHaveLength(80_000);
  }, 120_000);

  it('refuses an input over its kind\'s cap', () => {
    const text = `a: "${'x'.repeat(MAX_INPUT_BYTES.answers)}"\n`;
    const error = thrownPlatformError(() => parseAnswersFile(text, 'answers.yaml'));
    expect(error.code).toBe('input-too-large');
    expect(error.message).toContain('answers.yaml');
  });

  it('stops a YAML alias bomb with a usage error, not an exception', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const error = thrownPlatformError(() => parseYamlSource(lines.join('\n'), 'bomb.yaml', 'Answers file'));
    expect(error.code).toBe('yaml-aliases');
    expect(error.exitCode).toBe(2);
  });

  it('walks deep nesting without overflowing the stack', () => {
    const depth = 5_000;
    const text = `${'- '.repeat(1)}${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    const outcome = (() => {
      try {
        parseYamlSource(text, 'deep.yaml', 'Template');
        return 'parsed';
      } catch (error) {
        return error instanceof PlatformError ? 'refused' : `crashed: ${String(error)}`;
      }
    })();
    expect(['parsed', 'refused']).toContain(outcome);
  });
});

describe('readInputFile', () => {
  const options = { kind: 'answers' as const, what: 'Answers file', followLinks: true, hint: 'Give a file.' };

  it('reads a regular file, and a symlink to one when links are followed', async () => {
    const { fs, vol } = memoryFs({ '/w/a.yaml': 'a: 1\n' });
    vol.symlinkSync('/w/a.yaml', '/w/link.yaml');
    expect(new TextDecoder().decode(await readInputFile(fs, '/w/link.yaml', options))).toBe('a: 1\n');
    expect(await readInputFile(fs, '/w/missing.yaml', options)).toBeUndefined();
  });

  it('refuses a symlink when links are not followed (a file found in a repository)', async () => {
    const { fs, vol } = memoryFs({ '/w/a.yaml': 'a: 1\n' });
    vol.symlinkSync('/w/a.yaml', '/w/.platform.yaml');
    const error = await rejected(readInputFile(fs, '/w/.platform.yaml', { ...options, kind: 'lockfile', what: 'Lockfile', followLinks: false }));
    expect(error.code).toBe('input-not-file');
    expect(error.message).toContain('symbolic link');
  });

  it('refuses a directory before reading it', async () => {
    const { fs, vol } = memoryFs();
    vol.mkdirSync('/w/dir', { recursive: true });
    const error = await rejected(readInputFile(fs, '/w/dir', options));
    expect(error.code).toBe('input-not-file');
    expect(error.message).toContain('is a directory');
    expect(error.exitCode).toBe(2);
  });

  it('refuses a file over the cap from its size, before reading it', async () => {
    const { fs } = memoryFs({ '/w/big.yaml': 'x'.repeat(MAX_INPUT_BYTES.answers + 1) });
    let reads = 0;
    const counting = { ...fs, stat: fs.stat.bind(fs), lstat: fs.lstat.bind(fs), readFile: async (p: string) => { reads++; return fs.readFile(p); } };
    const error = await rejected(readInputFile(counting, '/w/big.yaml', options));
    expect(error.code).toBe('input-too-large');
    expect(reads).toBe(0);
  });
});
