/**
 * Unmerged paths read from git's index file (fleet status without a git process per
 * repository): the plain layouts are read, anything else (a linked .git, a split index, a
 * truncated or foreign file) is left to git.
 */
import { describe, expect, it } from 'vitest';
import { unmergedEntries, unmergedFromIndex } from '../../src/fleet/git-index.js';
import { memoryFs } from '../helpers/memfs.js';

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const ascii = (s: string) => [...new TextEncoder().encode(s)];

/** An index of (path, stage) entries as git writes it: version 2 (padded) or 4 (prefix-compressed). */
function index(entries: Array<[string, number]>, version = 2, extensions: number[] = []): Uint8Array {
  const out = [...ascii('DIRC'), ...u32(version), ...u32(entries.length)];
  let previous = '';
  for (const [path, stage] of entries) {
    const start = out.length;
    out.push(...new Array(40).fill(0), ...new Array(20).fill(7));
    const flags = (stage << 12) | Math.min(path.length, 0xfff);
    out.push(flags >> 8, flags & 255);
    if (version === 4) {
      let common = 0;
      while (common < previous.length && previous[common] === path[common]) common++;
      out.push(previous.length - common, ...ascii(path.slice(common)), 0);
    } else {
      out.push(...ascii(path));
      do out.push(0);
      while ((out.length - start) % 8 !== 0);
    }
    previous = path;
  }
  out.push(...extensions, ...new Array(20).fill(9));
  return new Uint8Array(out);
}

const CONFLICTED: Array<[string, number]> = [['Dockerfile', 1], ['Dockerfile', 2], ['Dockerfile', 3], ['README.md', 0], ['svc-a/src/app.ts', 2], ['svc-a/src/main.ts', 0]];

describe('unmerged paths from git\'s index file', () => {
  it('reads versions 2 and 4: the entries at stages 1-3', () => {
    expect(unmergedEntries(index(CONFLICTED, 2))).toEqual(['Dockerfile', 'Dockerfile', 'Dockerfile', 'svc-a/src/app.ts']);
    expect(unmergedEntries(index(CONFLICTED, 4))).toEqual(['Dockerfile', 'Dockerfile', 'Dockerfile', 'svc-a/src/app.ts']);
    expect(unmergedEntries(index([['a', 0]], 2, [...ascii('TREE'), ...u32(2), 1, 2]))).toEqual([]);
  });

  it('leaves to git what it does not read: a split or sparse index, a truncated or foreign file', () => {
    expect(unmergedEntries(index(CONFLICTED, 2, [...ascii('link'), ...u32(0)]))).toBeUndefined();
    expect(unmergedEntries(index(CONFLICTED, 2, [...ascii('sdir'), ...u32(0)]))).toBeUndefined();
    const whole = index(CONFLICTED, 2);
    expect(unmergedEntries(whole.subarray(0, whole.length - 30))).toBeUndefined();
    expect(unmergedEntries(new TextEncoder().encode('not an index at all, but long enough'))).toBeUndefined();
    const huge = index(CONFLICTED, 2);
    huge.set(u32(0xffffffff), 8);
    expect(unmergedEntries(huge)).toBeUndefined();
  });

  it('finds the repository above a service folder and answers relative to it; a linked .git or index goes to git', async () => {
    const { fs, vol } = memoryFs({ '/m/.git/HEAD': 'ref: refs/heads/main\n', '/m/.git/config': '[core]\n\tbare = false\n', '/m/svc-a/.platform.yaml': 'x', '/plain/.platform.yaml': 'x' });
    vol.writeFileSync('/m/.git/index', index(CONFLICTED, 4));
    expect(await unmergedFromIndex(fs, '/m/svc-a')).toEqual(['src/app.ts']);
    expect(await unmergedFromIndex(fs, '/m')).toEqual(['Dockerfile', 'svc-a/src/app.ts']);
    expect(await unmergedFromIndex(fs, '/plain')).toEqual([]);
    vol.mkdirSync('/l/svc', { recursive: true });
    vol.symlinkSync('/m/.git', '/l/.git');
    expect(await unmergedFromIndex(fs, '/l/svc')).toBeUndefined();
    vol.renameSync('/m/.git/index', '/m/.git/real-index');
    vol.symlinkSync('/m/.git/real-index', '/m/.git/index');
    expect(await unmergedFromIndex(fs, '/m')).toBeUndefined();
    vol.writeFileSync('/m/.git/config', '[extensions]\n\tobjectFormat = sha256\n');
    expect(await unmergedFromIndex(fs, '/m')).toBeUndefined();
  });
});
