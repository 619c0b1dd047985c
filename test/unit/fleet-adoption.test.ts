/** Adoption figures from lockfile histories (pure), and release dates from changelog headings. */
import { describe, expect, it } from 'vitest';
import { changelogDate, computeAdoption, median } from '../../src/fleet/adoption.js';
import type { RepoStatus } from '../../src/fleet/repo-status.js';

function repo(name: string, now: string, history: Array<[string, string]>): RepoStatus {
  return {
    repo: name,
    path: `/${name}`,
    cli: undefined,
    lockfileChanged: history.at(-1)?.[0],
    components: [{ name: 'service', version: now, source: 'builtin', latest: '1.2.0', behind: 0, driftedOwned: undefined, conflicts: [], hooks: undefined }],
    conflicts: [],
    interrupted: false,
    history: history.map(([date, version], i) => ({ commit: `${name}${i}`, date: `${date}T10:00:00.000Z`, versions: { service: version } })),
    error: undefined,
  };
}

const fleet = [
  repo('a', '1.2.0', [['2026-01-01', '1.0.0'], ['2026-02-01', '1.2.0']]),
  repo('b', '1.1.0', [['2026-01-05', '1.0.0'], ['2026-01-20', '1.1.0']]),
  repo('c', '1.2.0', [['2026-01-10', '1.2.0']]),
  repo('d', '1.0.0', [['2026-01-03', '1.0.0']]),
];

describe('fleet adoption', () => {
  it('a repository adopts a version at its first commit on it or later; lag from the first adoption when no changelog date', () => {
    const a = computeAdoption(fleet, new Map(), undefined);
    const r12 = a.releases.find((r) => r.version === '1.2.0')!;
    expect(r12).toMatchObject({ released: '2026-01-10', releasedFrom: 'first-adoption', adopted: 2, notYet: 2, medianLagDays: 11, slowest: { repo: 'a', days: 22 } });
    // a skipped 1.1.0: adopting 1.2.0 on 02-01 adopted it too.
    const r11 = a.releases.find((r) => r.version === '1.1.0')!;
    expect(r11).toMatchObject({ released: '2026-01-10', adopted: 3, notYet: 1 });
    expect(a.adoptions.filter((x) => x.repo === 'a').map((x) => [x.version, x.date])).toEqual([['1.0.0', '2026-01-01'], ['1.2.0', '2026-02-01']]);
    expect(a.goldenPath.map((g) => [g.repo, g.date])).toEqual([['a', '2026-01-01'], ['b', '2026-01-05'], ['c', '2026-01-10'], ['d', '2026-01-03']]);
    expect(a.versions).toEqual([{ component: 'service', latest: '1.2.0', counts: [{ version: '1.0.0', repos: 1 }, { version: '1.1.0', repos: 1 }, { version: '1.2.0', repos: 2 }] }]);
  });

  it('a changelog date is the release date; --since keeps later adoptions only', () => {
    const a = computeAdoption(fleet, new Map([['service@1.2.0', '2026-01-08T00:00:00.000Z']]), new Date('2026-01-15T00:00:00Z'));
    expect(a.releases.find((r) => r.version === '1.2.0')).toMatchObject({ released: '2026-01-08', releasedFrom: 'changelog', adopted: 1, medianLagDays: 24 });
    expect(a.timeline.map((p) => p.date)).toEqual(['2026-01-20', '2026-02-01']);
  });

  it('the timeline counts repositories on the golden path and on the latest version at the end of each day', () => {
    const a = computeAdoption(fleet, new Map(), undefined);
    expect(a.timeline.map((p) => [p.date, p.onGoldenPath, p.onLatest.service])).toEqual([
      ['2026-01-01', 1, 0], ['2026-01-03', 2, 0], ['2026-01-05', 3, 0], ['2026-01-10', 4, 1], ['2026-01-20', 4, 1], ['2026-02-01', 4, 2],
    ]);
    expect(a.lagDistribution.reduce((n, b) => n + b.count, 0)).toBe(a.releases.reduce((n, r) => n + r.adopted, 0));
  });

  it('unreadable repositories count for nothing', () => {
    const broken = { ...repo('x', '1.0.0', [['2026-01-01', '1.0.0']]), error: { code: 'target-symlink', message: 'no' } };
    expect(computeAdoption([broken], new Map(), undefined).releases).toEqual([]);
  });

  it('median and changelog dates', () => {
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(changelogDate('# t\n\n## 1.2.0 (2026-05-01)\n\n## 1.1.0 - 2026-03-02\n', '1.2.0')).toBe('2026-05-01T00:00:00.000Z');
    expect(changelogDate('## [1.1.0] - 2026-03-02\n', '1.1.0')).toBe('2026-03-02T00:00:00.000Z');
    expect(changelogDate('## 1.1.0\n\n(in progress)\n', '1.1.0')).toBeUndefined();
    expect(changelogDate('## 1.10.0 (2026-03-02)\n', '1.1.0')).toBeUndefined();
  });
});

describe('the lockfile history reader', () => {
  it('takes the new side of a whole-file diff; a deletion or a binary change has none', async () => {
    const { newSide } = await import('../../src/fleet/history.js');
    const created = 'diff --git a/.platform.yaml b/.platform.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/.platform.yaml\n@@ -0,0 +1,2 @@\n+a: 1\n+b: 2\n';
    expect(newSide(created)).toBe('a: 1\nb: 2\n');
    const changed = '--- a/.platform.yaml\n+++ b/.platform.yaml\n@@ -1,3 +1,3 @@\n a: 1\n-b: 2\n+b: 3\n c\n\\ No newline at end of file\n';
    expect(newSide(changed)).toBe('a: 1\nb: 3\nc');
    expect(newSide('--- a/.platform.yaml\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a: 1\n')).toBeUndefined();
    expect(newSide('Binary files a/.platform.yaml and b/.platform.yaml differ\n')).toBeUndefined();
  });
});
