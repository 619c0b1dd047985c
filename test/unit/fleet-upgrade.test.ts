/**
 * The fleet upgrade runner with its seams faked (git, the per-folder upgrade, the body writer):
 * what each repository's outcome becomes, and shards that add up to the whole list.
 */
import { describe, expect, it } from 'vitest';
import type { FleetGit } from '../../src/fleet/fleet-git.js';
import type { RepoEntry } from '../../src/fleet/repo-list.js';
import { fleetUpgrade, prBody, type FleetUpgradeRequest, type UpgradeOutcome } from '../../src/fleet/upgrade-runner.js';
import { serializeLockfile } from '../../src/lock/lockfile.js';
import { memoryFs } from '../helpers/memfs.js';

const lock = (version: string, answers: Record<string, unknown> = { name: 'x' }): string =>
  serializeLockfile({ schemaVersion: 1, templates: [{ name: 'service', version, source: 'builtin', answers, files: {} }] });

function setup() {
  const { fs, vol } = memoryFs({
    '/f/a/.platform.yaml': lock('1.0.0'),
    '/f/b/.platform.yaml': lock('1.3.0'),
    '/f/mono/s1/.platform.yaml': lock('1.1.0'),
    '/f/mono/s2/.platform.yaml': lock('1.0.0'),
    '/f/stuck/.platform.yaml': lock('1.0.0'),
  });
  const log: string[] = [];
  const git: FleetGit = {
    topLevel: async (dir) => (dir.startsWith('/f/') ? dir : undefined),
    switchNew: async (top, branch) => void log.push(`switch ${top} ${branch}`),
    abandon: async (top) => void log.push(`abandon ${top}`),
    currentBranch: async () => 'main',
    unmerged: async (top) => (top === '/f/stuck' ? ['Dockerfile'] : []),
    commit: async (top, paths) => {
      log.push(`commit ${top} ${paths.join(',')}`);
      return 'c0ffee';
    },
    validBranch: async () => true,
  };
  // The upgrade moves 1.x to 1.3.0, adds a question, and leaves a conflict in mono/s2.
  const upgrade = async (root: string): Promise<UpgradeOutcome> => {
    const text = vol.readFileSync(`${root}/.platform.yaml`, 'utf8') as string;
    const from = /version: (\S+)/.exec(text)![1]!;
    if (from === '1.3.0') return { exitCode: 0, document: { components: [], files: [], conflicts: [], upToDate: ['service@1.3.0'] } };
    vol.writeFileSync(`${root}/.platform.yaml`, lock('1.3.0', { name: 'x', secretKeys: 'DATABASE_URL' }));
    const conflict = root.endsWith('s2');
    return {
      exitCode: conflict ? 3 : 0,
      document: { components: [{ name: 'service', from, to: '1.3.0' }], files: [{ path: 'Dockerfile', action: conflict ? 'conflict' : 'update' }, { path: 'README.md', action: 'keep' }, { path: '.platform.yaml', action: 'update' }], conflicts: conflict ? ['Dockerfile'] : [] },
    };
  };
  const bodies = new Map<string, string>();
  const entries: RepoEntry[] = ['a', 'b', 'mono', 'stuck', 'nowhere'].map((name, i) => ({ kind: 'path', path: `/${name === 'nowhere' ? 'x' : 'f'}/${name}`, shown: name, line: i + 1 }));
  entries.push({ kind: 'invalid', shown: 'ext::sh', line: 6, error: Object.assign(new Error('refused'), { code: 'repo-refused' }) as never });
  const request = (over: Partial<FleetUpgradeRequest> = {}): FleetUpgradeRequest => ({
    repos: entries,
    branch: 'platform/up',
    shard: undefined,
    concurrency: 2,
    workDir: '/work',
    upgrade,
    clone: async () => undefined,
    writeBody: async (name, text) => {
      bodies.set(name, text);
      return name;
    },
    ...over,
  });
  return { fs, git, log, bodies, request };
}

describe('fleet upgrade runner', () => {
  it('each repository: a branch, the upgrade in every service folder, one commit of what changed, a pull-request body', async () => {
    const { fs, git, log, bodies, request } = setup();
    const results = await fleetUpgrade(fs, git, request());
    expect(results.map((r) => [r.repo, r.status])).toEqual([['a', 'upgraded'], ['b', 'up-to-date'], ['mono', 'conflicts'], ['stuck', 'failed'], ['nowhere', 'failed'], ['ext::sh', 'refused']]);
    expect(log).toContain('commit /f/a .platform.yaml,Dockerfile');
    expect(log).toContain('commit /f/mono s1/.platform.yaml,s1/Dockerfile,s2/.platform.yaml,s2/Dockerfile');
    expect(log).toContain('abandon /f/b');
    expect(log.some((l) => l.includes('/f/stuck'))).toBe(false);
    expect(results[3]!.error).toContain('unresolved conflicts');
    expect(results[0]!.services[0]!.newQuestions).toEqual([{ component: 'service', question: 'secretKeys', answer: 'DATABASE_URL' }]);
    const mono = bodies.get('mono.md')!;
    expect(mono).toContain('**1 file(s) have conflicts to resolve**');
    expect(mono).toContain('## `s2`');
    expect(mono).toContain('- `Dockerfile` — ⚠️ conflict');
    expect([...bodies.keys()].sort()).toEqual(['a.md', 'mono.md']);
  });

  it('the shards of a list add up to the whole, each repository once', async () => {
    const s0 = setup();
    const whole = await fleetUpgrade(s0.fs, s0.git, s0.request());
    for (const n of [1, 2, 3, 4, 7]) {
      const parts = [];
      for (let i = 1; i <= n; i++) {
        const s = setup();
        parts.push(...(await fleetUpgrade(s.fs, s.git, s.request({ shard: { index: i, count: n } }))));
      }
      const key = (r: { repo: string }) => r.repo;
      expect(parts.map(key).sort()).toEqual(whole.map(key).sort());
      expect(parts.sort((x, y) => x.repo.localeCompare(y.repo))).toEqual([...whole].sort((x, y) => x.repo.localeCompare(y.repo)));
    }
  });

  it('a body never lets a file name close its code span', () => {
    const body = prBody({ repo: 'r', path: '/r', status: 'upgraded', branch: 'b', commit: 'c', prBody: undefined, error: undefined, services: [{ folder: '.', exitCode: 0, components: [{ name: 'service', from: '1.0.0', to: '1.3.0' }], changed: ['a`b.md'], conflicts: [], newQuestions: [], errors: [] }] });
    expect(body).toContain("- `a'b.md`");
  });
});
