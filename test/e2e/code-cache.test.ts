/**
 * The bins keep V8's code cache of the CLI in $XDG_CACHE_HOME/platform/v8. The cache lives on
 * disk like any input: a damaged, truncated or misplaced one must never change what a run does
 * (V8 trusts a cache it accepts, so a flipped bit could crash it).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './harness.js';

const cacheFiles = (home: string): string[] => {
  const dir = join(home, 'platform', 'v8');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bin')).map((f) => join(dir, f)) : [];
};
const wellFormed = (file: string): boolean => {
  const bytes = readFileSync(file);
  return bytes.length > 32 && createHash('sha256').update(bytes.subarray(32)).digest().equals(bytes.subarray(0, 32));
};

describe('the V8 code cache of the CLI', () => {
  it('is written by the first run and used by the next: same output', async () => {
    const cache = tempDir();
    const first = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache } });
    expect(first.code, first.stderr).toBe(0);
    const [file, ...more] = cacheFiles(cache);
    expect(more).toEqual([]);
    expect(wellFormed(file!)).toBe(true);
    const second = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache } });
    expect(second).toMatchObject({ code: 0, stdout: first.stdout, stderr: '' });
  });

  it('a damaged or truncated cache is not used, and is written again', async () => {
    const cache = tempDir();
    const reference = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache } });
    const file = cacheFiles(cache)[0]!;
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    for (let i = 100; i < flipped.length; i += 4099) flipped[i] = flipped[i]! ^ 0xff;
    for (const damaged of [flipped, good.subarray(0, good.length >> 1), Buffer.alloc(0), Buffer.from('not a cache')]) {
      writeFileSync(file, damaged);
      const r = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache } });
      expect(r).toMatchObject({ code: 0, signal: null, stdout: reference.stdout, stderr: '' });
      expect(wellFormed(file)).toBe(true);
    }
  });

  it('a cache folder that is a file, or PLATFORM_NO_CACHE, only means no cache', async () => {
    const cache = tempDir();
    mkdirSync(join(cache, 'platform'));
    writeFileSync(join(cache, 'platform', 'v8'), 'a file where the folder should be');
    const r = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const off = tempDir();
    const r2 = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: off, PLATFORM_NO_CACHE: '1' } });
    expect(r2.code, r2.stderr).toBe(0);
    expect(existsSync(join(off, 'platform'))).toBe(false);
  });

  it('merge-file keeps a cache of its own; a damaged one changes nothing in the merge', async () => {
    const cache = tempDir();
    const cwd = tempDir();
    writeFileSync(join(cwd, 'base.yaml'), 'a: 1\nb:\n  - x\nc: 3\n');
    writeFileSync(join(cwd, 'ours.yaml'), 'a: 2\nb:\n  - x\nc: 3\n');
    writeFileSync(join(cwd, 'theirs.yaml'), 'a: 1\nb:\n  - x\nc: 4\n');
    const args = ['merge-file', '-p', 'ours.yaml', 'base.yaml', 'theirs.yaml'];
    const first = await cli('platform', args, { cwd, env: { XDG_CACHE_HOME: cache } });
    expect(first).toMatchObject({ code: 0, stdout: 'a: 2\nb:\n  - x\nc: 4\n', stderr: '' });
    const files = cacheFiles(cache).filter((f) => /platform-merge-file-/.test(f));
    expect(files).toHaveLength(1);
    writeFileSync(files[0]!, Buffer.from('not a cache'));
    const second = await cli('platform', args, { cwd, env: { XDG_CACHE_HOME: cache } });
    expect(second).toMatchObject({ code: 0, signal: null, stdout: first.stdout, stderr: '' });
    expect(wellFormed(files[0]!)).toBe(true);
  });
});
