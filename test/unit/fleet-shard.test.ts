/** Shards of a fleet, the bounded pool that works through them, and the repository list. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapPool } from '../../src/fleet/pool.js';
import { readRepoList } from '../../src/fleet/repo-list.js';
import { inShard, parseShard } from '../../src/fleet/shard.js';
import { memoryFs } from '../helpers/memfs.js';

describe('fleet shards', () => {
  it('every repository is in exactly one shard, whatever N', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 200 }), (n, size) => {
        const owners = Array.from({ length: size }, (_, k) => Array.from({ length: n }, (_, i) => i + 1).filter((i) => inShard({ index: i, count: n }, k)));
        return owners.every((o) => o.length === 1);
      }),
    );
  });

  it('--shard takes I/N with 1 ≤ I ≤ N, else exit 2 with how', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShard(undefined)).toBeUndefined();
    for (const bad of ['0/2', '3/2', '1/0', '-1/2', '1/2/3', 'a/b', '1', '']) expect(() => parseShard(bad), bad).toThrow(/I\/N/);
  });
});

describe('the bounded pool', () => {
  it('keeps the source order, never runs more than the bound, pulls lazily', async () => {
    let running = 0;
    let peak = 0;
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 20; i++) {
        pulled++;
        yield i;
      }
    }
    const seenAtFirst: number[] = [];
    const results = await mapPool(source(), 3, async (item) => {
      if (item === 0) seenAtFirst.push(pulled);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, (20 - item) % 4));
      running--;
      return item * 2;
    });
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBeLessThanOrEqual(3);
    expect(seenAtFirst[0]).toBeLessThanOrEqual(3);
  });
});

describe('the repository list', () => {
  it('paths relative to the list, URLs, comments; ext:: and option-like lines refused one by one', async () => {
    const { fs } = memoryFs({ '/w/lists/repos.txt': ['# fleet', 'svc-a', '../svc-b  # a comment', 'https://git.example.com/org/repo.git', 'github:org/other', 'ext::sh -c id', '-uhack', 'git+https://h/x.git#main', ''].join('\n') });
    const entries = await readRepoList(fs, '/w', 'lists/repos.txt');
    expect(entries.map((e) => [e.kind, e.kind === 'path' ? e.path : e.kind === 'git' ? e.url : e.error.code, e.line])).toEqual([
      ['path', '/w/lists/svc-a', 2],
      ['path', '/w/svc-b', 3],
      ['git', 'https://git.example.com/org/repo.git', 4],
      ['git', 'https://github.com/org/other.git', 5],
      ['invalid', 'repo-refused', 6],
      ['invalid', 'repo-refused', 7],
      ['invalid', 'repo-url', 8],
    ]);
  });

  it('the list itself: missing, a folder or too large is exit 2 naming it', async () => {
    const { fs } = memoryFs({ '/w/big.txt': 'x\n'.repeat(600_000), '/w/dir/a': '' });
    await expect(readRepoList(fs, '/w', 'nope.txt')).rejects.toMatchObject({ code: 'repos-file-missing', exitCode: 2 });
    await expect(readRepoList(fs, '/w', 'dir')).rejects.toMatchObject({ code: 'input-not-file', exitCode: 2 });
    await expect(readRepoList(fs, '/w', 'big.txt')).rejects.toMatchObject({ exitCode: 2 });
  });
});
