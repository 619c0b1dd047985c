/**
 * The bins keep V8's code cache of the CLI in $XDG_CACHE_HOME/platform/v8. The cache lives on
 * disk like any input: a damaged, truncated or misplaced one must never change what a run does
 * (V8 trusts a cache it accepts, so a flipped bit could crash it). V8 checks its header; the bins
 * keep its payload twice and use it only when both copies agree: on each Node major we support.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, nodeBinary, tempDir } from './harness.js';

const cacheFiles = (home: string): string[] => {
  const dir = join(home, 'platform', 'v8');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.v8c2')).map((f) => join(dir, f)) : [];
};
/** A cache is written by rename: a new inode means the run refused the old file and wrote another. */
const inode = (file: string): number => statSync(file).ino;

describe('the V8 code cache of the CLI', () => {
  it('is written by the first run and used by the next: same output', async () => {
    const cache = tempDir();
    const first = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache } });
    expect(first.code, first.stderr).toBe(0);
    const [file, ...more] = cacheFiles(cache);
    expect(more).toEqual([]);
    const written = inode(file!);
    const second = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache } });
    expect(second).toMatchObject({ code: 0, stdout: first.stdout, stderr: '' });
    expect(inode(file!)).toBe(written);
  });

  it('keeps the newest three caches of a command when it writes one; old-format caches go; other files stay', async () => {
    const cache = tempDir();
    const dir = join(cache, 'platform', 'v8');
    mkdirSync(dir, { recursive: true });
    // Caches of earlier builds of the CLI (other hashes), oldest first.
    const old = ['0000000000000001', '0000000000000002', '0000000000000003', '0000000000000004'].map((hash, i) => {
      const file = join(dir, `platform-templates-${hash}-v20.20.2-x64.v8c2`);
      writeFileSync(file, 'old');
      utimesSync(file, 1_000_000 + i, 1_000_000 + i);
      return file;
    });
    const legacy = ['bin', 'v8c'].map((format) => join(dir, `platform-templates-0000000000000009-v20.20.2-x64.${format}`));
    const otherCommand = join(dir, 'platform-upgrade-0000000000000001-v20.20.2-x64.v8c2');
    const unrelated = join(dir, 'notes.txt');
    for (const file of [...legacy, otherCommand, unrelated]) writeFileSync(file, 'x');
    const r = await cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache } });
    expect(r.code, r.stderr).toBe(0);
    const left = readdirSync(dir).sort();
    // The new cache and the two newest old ones of `templates`; the other command's and the unrelated file untouched.
    expect(left.filter((f) => f.startsWith('platform-templates-'))).toHaveLength(3);
    expect(left).toEqual(expect.arrayContaining([old[2]!, old[3]!, otherCommand, unrelated].map((f) => f.slice(dir.length + 1))));
    expect(left).not.toContain(old[0]!.slice(dir.length + 1));
    for (const file of legacy) expect(left).not.toContain(file.slice(dir.length + 1));
  });

  it.each([20, 22, 24] as const)('on Node %i, a damaged, truncated or misplaced cache is not used, and is written again', async (major) => {
    const node = major === 20 ? undefined : await nodeBinary(major);
    if (major === 20) expect(process.versions.node.split('.')[0]).toBe('20');
    const cache = tempDir();
    const run = () => cli('platform', ['templates', '--json'], { cwd: tempDir(), env: { XDG_CACHE_HOME: cache }, node });
    const reference = await run();
    expect(reference.code, reference.stderr).toBe(0);
    const file = cacheFiles(cache)[0]!;
    const good = readFileSync(file);
    // Another program's cache under this one's name (same Node, other source): merge-file's.
    const cwd = tempDir();
    for (const side of ['ours.json', 'base.json', 'theirs.json']) writeFileSync(join(cwd, side), '{"a": 1}\n');
    expect((await cli('platform', ['merge-file', '-p', 'ours.json', 'base.json', 'theirs.json'], { cwd, env: { XDG_CACHE_HOME: cache }, node })).code).toBe(0);
    const other = readFileSync(cacheFiles(cache).find((f) => f.includes('merge-file'))!);
    const half = good.length >> 1;
    const damaged: Array<[string, Buffer]> = [['the first copy\'s header', 8], ['the first copy\'s payload', 64], ['the second copy\'s header', half + 8], ['the second copy\'s payload', half + 64], ['the end', good.length - 2]].map(([where, at]) => {
      const copy = Buffer.from(good);
      copy[at as number] = copy[at as number]! ^ 0x01;
      return [`one bit flipped in ${where as string}`, copy];
    });
    damaged.push(['one copy only (the earlier format)', good.subarray(0, half)], ['truncated', good.subarray(0, half + 100)], ['one byte longer', Buffer.concat([good, Buffer.from([0])])], ['empty', Buffer.alloc(0)], ['not a cache', Buffer.from('not a cache')], ["another program's", other]);
    for (const [what, bytes] of damaged) {
      writeFileSync(file, bytes);
      const before = inode(file);
      const r = await run();
      expect(r, what).toMatchObject({ code: 0, signal: null, stdout: reference.stdout, stderr: '' });
      // Written again, and the one written is used by the next run.
      expect(inode(file), what).not.toBe(before);
      const rewritten = inode(file);
      expect(await run(), what).toMatchObject({ code: 0, stdout: reference.stdout, stderr: '' });
      expect(inode(file), what).toBe(rewritten);
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
    const whole = readFileSync(files[0]!).length;
    writeFileSync(files[0]!, Buffer.from('not a cache'));
    const second = await cli('platform', args, { cwd, env: { XDG_CACHE_HOME: cache } });
    expect(second).toMatchObject({ code: 0, signal: null, stdout: first.stdout, stderr: '' });
    const rewritten = inode(files[0]!);
    expect(await cli('platform', args, { cwd, env: { XDG_CACHE_HOME: cache } })).toMatchObject({ code: 0, stdout: first.stdout, stderr: '' });
    expect(inode(files[0]!)).toBe(rewritten);
    // A cache written again by a text merge still holds the YAML parser (the cache is trained on
    // YAML, JSON and text merges before it is saved), so a YAML merge after it compiles next to
    // nothing: about the size a YAML merge writes, not a fraction.
    writeFileSync(files[0]!, Buffer.from('not a cache'));
    for (const side of ['ours.txt', 'base.txt', 'theirs.txt']) writeFileSync(join(cwd, side), 'text\n');
    expect(await cli('platform', ['merge-file', '-p', 'ours.txt', 'base.txt', 'theirs.txt'], { cwd, env: { XDG_CACHE_HOME: cache } })).toMatchObject({ code: 0, stdout: 'text\n' });
    expect(readFileSync(files[0]!).length).toBeGreaterThan(whole * 0.95);
  });
});
