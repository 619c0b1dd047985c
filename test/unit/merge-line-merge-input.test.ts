/**
 * git's line merge handed to `platform merge-file --line-merge -` by the merge driver's shell
 * line: what is taken as git's answer, and what sends merge-file back to running git itself.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineMergeGiven, lineMergeLimit, parseLineMergeInput } from '../../src/merge/line-merge-input.js';
import type { TextMerger } from '../../src/merge/text.js';

const bytes = (text: string) => new TextEncoder().encode(text);
/** What the driver's `{ git merge-file -p …; status=$?; echo; echo $status; }` writes. */
const framed = (output: string, status: number) => bytes(`${output}\n${status}\n`);
const labels = { ours: 'ours', base: 'base', theirs: 'theirs' };

describe('parseLineMergeInput', () => {
  it('takes git\'s output and status back from the frame, whatever the output ends with', () => {
    expect(parseLineMergeInput(framed('a: 1\n', 0))).toEqual({ text: 'a: 1\n', conflicts: 0 });
    expect(parseLineMergeInput(framed('no final newline', 0))).toEqual({ text: 'no final newline', conflicts: 0 });
    expect(parseLineMergeInput(framed('', 0))).toEqual({ text: '', conflicts: 0 });
    expect(parseLineMergeInput(framed('x\n\n\n', 3))).toEqual({ text: 'x\n\n\n', conflicts: 3 });
    expect(parseLineMergeInput(framed('a\r\nb\r\n', 127))).toEqual({ text: 'a\r\nb\r\n', conflicts: 127 });
  });

  it('round-trips any output and any status git gives for a merge (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite' }), fc.integer({ min: 0, max: 127 }), (output, status) => {
        expect(parseLineMergeInput(framed(output, status))).toEqual({ text: output, conflicts: status });
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 1000) },
    );
  });

  it('says why when the frame is not there: git failed, nothing arrived, a status that is not one, bytes that are not UTF-8', () => {
    expect(parseLineMergeInput(framed('', 255))).toEqual({ unusable: 'git merge-file exited with status 255' });
    expect(parseLineMergeInput(framed('', 141))).toEqual({ unusable: 'git merge-file exited with status 141' });
    for (const raw of ['', '\n', '0\n', 'a: 1\n', 'a: 1\n0', 'a: 1\n-1\n', 'a: 1\n01\n', 'a: 1\n 1\n', 'a: 1\n1000\n', 'a: 1\n1x\n', 'a\n0\r\n']) {
      expect(parseLineMergeInput(bytes(raw)), JSON.stringify(raw)).toEqual({ unusable: 'it does not end with a line holding git merge-file\'s exit status' });
    }
    expect(parseLineMergeInput(new Uint8Array([0x61, 0xff, 0x0a, 0x30, 0x0a]))).toEqual({ unusable: 'it is not UTF-8 text' });
  });

  it('reads a long output without a long status scan (a 5 MB line of digits is not a status)', () => {
    const digits = '1'.repeat(5_000_000);
    expect(parseLineMergeInput(bytes(`${digits}\n`))).toEqual({ unusable: 'it does not end with a line holding git merge-file\'s exit status' });
    expect(parseLineMergeInput(framed(digits, 0))).toEqual({ text: digits, conflicts: 0 });
  });
});

describe('lineMergeGiven', () => {
  const sides = { base: 'a: 1\n', ours: 'a: 2\n', theirs: 'a: 3\n' };
  const conflict = '<<<<<<< ours\na: 2\n=======\na: 3\n>>>>>>> theirs\n';
  const spawned = () => {
    const merger: TextMerger = vi.fn(async () => ({ text: 'from git itself', conflicts: 0 }));
    const fallback = vi.fn(async (_why?: string) => merger);
    return { merger, fallback };
  };

  it('answers the merge of exactly those sides and labels from what git gave, without running git', async () => {
    const { fallback } = spawned();
    const merge = lineMergeGiven({ text: conflict, conflicts: 1 }, sides, labels, fallback);
    expect(await merge(sides.base, sides.ours, sides.theirs, labels)).toEqual({ text: conflict, conflicts: 1 });
    expect(await merge(sides.base, sides.ours, sides.theirs, labels)).toEqual({ text: conflict, conflicts: 1 });
    expect(fallback).not.toHaveBeenCalled();
  });

  it('runs git for any other merge (a side rewritten to the local line endings, other labels), loading it once', async () => {
    const { fallback, merger } = spawned();
    const merge = lineMergeGiven({ text: conflict, conflicts: 1 }, sides, labels, fallback);
    expect(await merge(sides.base, sides.ours, 'a: 3\r\n', labels)).toEqual({ text: 'from git itself', conflicts: 0 });
    expect(await merge(sides.base, sides.ours, sides.theirs, { ...labels, theirs: 'template' })).toEqual({ text: 'from git itself', conflicts: 0 });
    expect(fallback).toHaveBeenCalledTimes(1);
    expect(fallback).toHaveBeenCalledWith(undefined);
    expect(merger).toHaveBeenCalledTimes(2);
  });

  it('runs git, saying why, when what was given cannot be this merge', async () => {
    const cases: Array<[given: Parameters<typeof lineMergeGiven>[0], why: RegExp]> = [
      [{ unusable: 'git merge-file exited with status 255' }, /status 255/],
      // sh's "git: not found" is status 127, with nothing on stdout
      [{ text: '', conflicts: 127 }, /status 127 claims conflicts, but no conflict markers labelled ours and theirs/],
      // git run with other labels than merge-file was given
      [{ text: conflict.replace('<<<<<<< ours', '<<<<<<< mine'), conflicts: 1 }, /no conflict markers labelled ours/],
      // a status lost on the way: git's markers reported clean
      [{ text: conflict, conflicts: 0 }, /status 0 claims a clean merge, but it holds a conflict marker neither side has \(<<<<<<< ours\)/],
      [{ text: conflict.replace(/\n/g, '\r\n'), conflicts: 0 }, /neither side has \(<<<<<<< ours\)/],
    ];
    for (const [given, why] of cases) {
      const { fallback } = spawned();
      const merge = lineMergeGiven(given, sides, labels, fallback);
      expect(await merge(sides.base, sides.ours, sides.theirs, labels)).toEqual({ text: 'from git itself', conflicts: 0 });
      expect(fallback).toHaveBeenCalledWith(expect.stringMatching(why));
    }
  });

  it('takes a clean merge holding marker lines that a side already has, and CRLF markers', async () => {
    const withMarker = { base: 'x\n', ours: 'x\n<<<<<<< ours\n', theirs: 'y\n' };
    const { fallback } = spawned();
    expect(await lineMergeGiven({ text: 'y\n<<<<<<< ours\n', conflicts: 0 }, withMarker, labels, fallback)(withMarker.base, withMarker.ours, withMarker.theirs, labels)).toEqual({ text: 'y\n<<<<<<< ours\n', conflicts: 0 });
    const crlf = conflict.replace(/\n/g, '\r\n');
    expect(await lineMergeGiven({ text: crlf, conflicts: 1 }, sides, labels, fallback)(sides.base, sides.ours, sides.theirs, labels)).toEqual({ text: crlf, conflicts: 1 });
    // Markers with empty labels (-L ''), as git writes them: seven signs and a space.
    const bare = { ours: '', base: '', theirs: '' };
    const plain = '<<<<<<< \na: 2\n=======\na: 3\n>>>>>>> \n';
    expect(await lineMergeGiven({ text: plain, conflicts: 1 }, sides, bare, fallback)(sides.base, sides.ours, sides.theirs, bare)).toEqual({ text: plain, conflicts: 1 });
    expect(fallback).not.toHaveBeenCalled();
  });
});

describe('lineMergeLimit', () => {
  it('holds git\'s real output of the worst cases: a conflict on every other line, diff3 style, long non-ASCII labels, CRLF', () => {
    const dir = mkdtempSync(join(tmpdir(), 'line-merge-limit-'));
    try {
      const lines = (n: number, f: (i: number) => string, eol = '\n') => Array.from({ length: n }, (_, i) => f(i)).join(eol) + eol;
      const cases = [
        { base: lines(2000, (i) => `x${i}`), ours: lines(2000, (i) => (i % 2 ? `x${i}` : `o${i}`)), theirs: lines(2000, (i) => (i % 2 ? `x${i}` : `t${i}`)) },
        { base: lines(2000, (i) => `x${i}`, '\r\n'), ours: lines(2000, (i) => (i % 2 ? `x${i}` : `o${i}`), '\r\n'), theirs: lines(2000, (i) => (i % 2 ? `x${i}` : `t${i}`), '\r\n') },
        // Every line a conflict of its own would need a shared line between: empty base, both sides add.
        { base: '', ours: lines(500, (i) => `o${i}`), theirs: lines(500, (i) => `t${i}`) },
        { base: 'a\n', ours: '', theirs: 'b\n' },
      ];
      const labelSets = [
        { ours: 'ours', base: 'base', theirs: 'theirs' },
        { ours: 'é'.repeat(300), base: '模板'.repeat(200), theirs: '😀'.repeat(100) },
        { ours: '', base: '', theirs: '' },
      ];
      for (const [c, sides] of cases.entries()) {
        for (const labels of labelSets) {
          for (const style of [[], ['--diff3'], ['--zdiff3']]) {
            const paths = (['ours', 'base', 'theirs'] as const).map((side) => {
              const path = join(dir, `${side}-${c}`);
              writeFileSync(path, sides[side]);
              return path;
            });
            const git = spawnSync('git', ['merge-file', '-p', ...style, '-L', labels.ours, '-L', labels.base, '-L', labels.theirs, ...paths], { maxBuffer: 1 << 28 });
            expect(git.status, String(git.error ?? git.stderr)).toBeLessThanOrEqual(127);
            const framed = Buffer.concat([git.stdout, Buffer.from(`\n${git.status}\n`)]);
            const bytes = (side: 'base' | 'ours' | 'theirs') => new TextEncoder().encode(sides[side]);
            expect(framed.length, `case ${c} ${style.join('')}`).toBeLessThanOrEqual(lineMergeLimit({ base: bytes('base'), ours: bytes('ours'), theirs: bytes('theirs') }, labels));
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
