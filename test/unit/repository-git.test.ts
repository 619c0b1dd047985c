/**
 * Outside any git repository an upgrade no longer starts git to learn that it is outside one.
 * The shortcut answers only when git certainly finds no repository (nothing named .git, no HEAD,
 * no link on the way up); every doubtful case still asks git, with the same answers as before.
 */
import { describe, expect, it } from 'vitest';
import type { Fs } from '../../src/core/fs.js';
import type { GitPort } from '../../src/steps/git-port.js';
import { mayHoldRepository, withoutRepositoryShortcut } from '../../src/workflow/repository-git.js';
import { memoryFs } from '../helpers/memfs.js';

const ROOT = '/home/dev/work/svc';
const seeded = (files: Record<string, string>) => memoryFs({ [`${ROOT}/.platform.yaml`]: 'schemaVersion: 1\n', ...files });

/** A git that records what it was asked and answers as inside a repository. */
function recordingGit(): { git: GitPort; calls: string[] } {
  const calls: string[] = [];
  const call = <T>(name: string, value: T) => async () => {
    calls.push(name);
    return value;
  };
  return {
    calls,
    git: {
      uncommitted: call('uncommitted', ['a.txt']),
      recordUnmerged: call('recordUnmerged', true),
      stage: call('stage', 'staged' as const),
      unmerged: call('unmerged', ['b.txt']),
      moved: call('moved', new Map([['c.txt', 'd.txt']])),
      insideRepository: call('insideRepository', true),
      firstCommitPending: call('firstCommitPending', false),
      initRepository: call('initRepository', { name: 'git', status: 'done' as const }),
    },
  };
}

const conflict = { path: 'a.txt', executable: false, stages: { base: undefined, ours: new Uint8Array(), theirs: new Uint8Array() } };

describe('the repository shortcut', () => {
  it('answers "not a repository" without git when nothing on the way up can be one', async () => {
    const { fs } = seeded({ [`${ROOT}/src/index.ts`]: 'x', '/home/dev/notes.txt': 'x' });
    expect(await mayHoldRepository(fs, ROOT)).toBe(false);
    const { git, calls } = recordingGit();
    const port = withoutRepositoryShortcut(fs, git);
    expect(await port.uncommitted(ROOT, ['a.txt'])).toEqual([]);
    expect(await port.unmerged(ROOT)).toEqual([]);
    expect(await port.moved(ROOT, ['c.txt'])).toEqual(new Map());
    expect(await port.recordUnmerged(ROOT, [conflict])).toBe(false);
    expect(await port.stage(ROOT, ['new.txt'])).toBe('not-a-repository');
    expect(calls).toEqual([]);
    // What create needs is git's own answer, always.
    expect(await port.insideRepository(ROOT)).toBe(true);
    expect(calls).toEqual(['insideRepository']);
  });

  const doubtful: Array<[string, (fs: Fs, vol: ReturnType<typeof memoryFs>['vol']) => void]> = [
    ['a .git folder at the root', (_fs, vol) => vol.mkdirSync(`${ROOT}/.git`, { recursive: true })],
    ['a .git folder above the root (a monorepo)', (_fs, vol) => vol.mkdirSync('/home/dev/.git', { recursive: true })],
    ['a worktree .git file', (_fs, vol) => vol.writeFileSync(`${ROOT}/.git`, 'gitdir: /elsewhere/.git/worktrees/svc\n')],
    ['a .git link', (_fs, vol) => vol.symlinkSync('/elsewhere/.git', `${ROOT}/.git`)],
    ['a dangling .git link', (_fs, vol) => vol.symlinkSync('/nowhere', '/home/.git')],
    ['a HEAD beside the lockfile (a folder that may be a bare repository)', (_fs, vol) => vol.writeFileSync(`${ROOT}/HEAD`, 'ref: refs/heads/main\n')],
    ['a HEAD folder above', (_fs, vol) => vol.mkdirSync('/home/HEAD')],
  ];
  for (const [name, make] of doubtful) {
    it(`asks git when there is ${name}`, async () => {
      const { fs, vol } = seeded({});
      make(fs, vol);
      expect(await mayHoldRepository(fs, ROOT)).toBe(true);
      const { git, calls } = recordingGit();
      const port = withoutRepositoryShortcut(fs, git);
      expect(await port.uncommitted(ROOT, ['a.txt'])).toEqual(['a.txt']);
      expect(await port.unmerged(ROOT)).toEqual(['b.txt']);
      expect(await port.moved(ROOT, ['c.txt'])).toEqual(new Map([['c.txt', 'd.txt']]));
      expect(await port.recordUnmerged(ROOT, [conflict])).toBe(true);
      expect(await port.stage(ROOT, ['new.txt'])).toBe('staged');
      expect(calls).toEqual(['uncommitted', 'unmerged', 'moved', 'recordUnmerged', 'stage']);
    });
  }

  it('asks git when a folder on the way is a link (git walks the physical path) or inside a .git folder', async () => {
    const linked = memoryFs({ '/real/repo/svc/.platform.yaml': 'x', '/real/repo/.git/HEAD': 'x' });
    linked.vol.symlinkSync('/real/repo/svc', '/svc-link');
    expect(await mayHoldRepository(linked.fs, '/svc-link')).toBe(true);
    const inside = memoryFs({ '/r/.git/x/.platform.yaml': 'x' });
    expect(await mayHoldRepository(inside.fs, '/r/.git/x')).toBe(true);
  });

  it('asks git when the file system cannot say (a folder it may not read)', async () => {
    const { fs } = seeded({});
    const denied: Fs = { ...fs, lstat: async (path) => (path === '/home/dev/.git' ? Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })) : fs.lstat(path)) };
    expect(await mayHoldRepository(denied, ROOT)).toBe(true);
  });

  it('looks again at every call: a repository made during the run (git init) is seen', async () => {
    const { fs, vol } = seeded({});
    const { git, calls } = recordingGit();
    const port = withoutRepositoryShortcut(fs, git);
    expect(await port.stage(ROOT, ['a.txt'])).toBe('not-a-repository');
    vol.mkdirSync(`${ROOT}/.git`);
    expect(await port.stage(ROOT, ['a.txt'])).toBe('staged');
    expect(calls).toEqual(['stage']);
  });
});
