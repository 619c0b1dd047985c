/**
 * `platform fleet status` over a real fleet (see fleet-setup.ts), in every output format, and
 * its HTML report as a person sees it in headless Chromium (Debian's, never a downloaded one).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './harness.js';
import { behindOf, buildFleet, LATEST, out, type Fleet } from './fleet-setup.js';

interface Component { name: string; version: string; latest: string; behind: number; driftedOwned?: string[]; conflicts: string[]; hooks?: string }
interface Repo { repo: string; cli?: string; lockfileChanged?: string; components: Component[]; conflicts: string[]; error?: { code: string; message: string } }
interface Release { component: string; version: string; released?: string; releasedFrom?: string; adopted: number; notYet: number; medianLagDays?: number; slowest?: { repo: string; days: number } }
interface Report {
  totals: { repositories: number; unreadable: number; components: number; upToDate: number; behind: number; driftedOwned?: number; withConflicts: number; hooksPendingOrFailed: number };
  repos: Repo[];
  adoption: { versions: Array<{ component: string; counts: Array<{ version: string; repos: number }> }>; releases: Release[]; timeline: Array<{ date: string; onGoldenPath: number }>; lagDistribution: Array<{ label: string; count: number }>; goldenPath: Array<{ repo: string; date: string }>; adoptions: Array<{ repo: string; component: string; version: string; date: string }> };
}

let fleet: Fleet;
let report: Report;

beforeAll(async () => {
  fleet = await buildFleet(tempDir('fleet-'));
  const r = await cli('platform', ['fleet', 'status', 'fleet', '--json', '--check-drift'], { cwd: fleet.home, env: fleet.env });
  expect(r.code, out(r)).toBe(0);
  report = JSON.parse(r.stdout) as Report;
}, 300_000);

const repo = (name: string): Repo => {
  const found = report.repos.find((r) => r.repo === name);
  expect(found, `no ${name} in ${report.repos.map((r) => r.repo).join(', ')}`).toBeDefined();
  return found!;
};

describe('platform fleet status', () => {
  it('finds every lockfile, the monorepo\'s two services included, with versions, latest and versions behind', () => {
    expect(report.repos.map((r) => r.repo).sort()).toEqual(['fleet/conflict', 'fleet/drifted', 'fleet/hooks', 'fleet/mono/svc-a', 'fleet/mono/svc-b', 'fleet/old', 'fleet/upgraded']);
    expect(repo('fleet/old').components).toMatchObject([{ name: 'service', version: '1.0.0', latest: LATEST, behind: behindOf('1.0.0') }]);
    expect(repo('fleet/upgraded').components).toMatchObject([{ name: 'service', version: LATEST, behind: 0 }]);
    expect(repo('fleet/mono/svc-a').components).toMatchObject([{ version: '1.1.0', behind: behindOf('1.1.0') }]);
    expect(repo('fleet/mono/svc-b').components).toMatchObject([{ version: LATEST, behind: 0 }]);
    expect(repo('fleet/hooks').components).toMatchObject([{ name: 'hooked', version: '1.0.0', latest: '1.0.0', behind: 0, hooks: 'pending' }]);
    expect(report.totals).toMatchObject({ repositories: 7, unreadable: 0, components: 7, hooksPendingOrFailed: 1, withConflicts: 1 });
    expect(report.totals.behind).toBe(report.repos.flatMap((r) => r.components).filter((c) => c.behind > 0).length);
    expect(repo('fleet/old').lockfileChanged?.slice(0, 10)).toBe('2026-01-10');
    expect(repo('fleet/upgraded').lockfileChanged?.slice(0, 10)).toBe('2026-03-01');
  });

  it('reports the open conflict (unmerged in git\'s index) and the drifted owned file', () => {
    expect(repo('fleet/conflict').conflicts).toEqual(['Dockerfile']);
    expect(repo('fleet/conflict').components[0]!.conflicts).toEqual(['Dockerfile']);
    expect(repo('fleet/drifted').components[0]!.driftedOwned).toEqual(['Dockerfile']);
    expect(repo('fleet/old').components[0]!.driftedOwned).toEqual([]);
    // The conflicted Dockerfile differs from what was recorded too.
    expect(report.totals.driftedOwned).toBe(2);
  });

  it('--no-history still reports the conflict left in git\'s index', async () => {
    const r = await cli('platform', ['fleet', 'status', 'fleet', '--json', '--no-history'], { cwd: fleet.home, env: fleet.env });
    expect(r.code, out(r)).toBe(0);
    const lean = JSON.parse(r.stdout) as Report;
    expect(lean.repos.find((x) => x.repo === 'fleet/conflict')?.conflicts).toEqual(['Dockerfile']);
    expect(lean.totals).toMatchObject({ repositories: 7, withConflicts: 1 });
  });

  it('adoption: when each repository took each version, and the lag from release (first adoption: no changelog date)', () => {
    const latest = report.adoption.releases.find((r) => r.component === 'service' && r.version === LATEST)!;
    // Reached by drifted (02-01, the first: the release date), mono/svc-b (02-15) and upgraded (03-01).
    expect(latest).toMatchObject({ released: '2026-02-01', releasedFrom: 'first-adoption', adopted: 3, medianLagDays: 14, slowest: { repo: 'fleet/upgraded', days: 28 } });
    expect(report.adoption.goldenPath.find((g) => g.repo === 'fleet/old')?.date).toBe('2026-01-10');
    expect(report.adoption.adoptions.filter((x) => x.repo === 'fleet/upgraded').map((x) => [x.version, x.date])).toEqual([['1.0.0', '2026-01-10'], [LATEST, '2026-03-01']]);
    expect(report.adoption.timeline.map((p) => p.date)).toEqual(['2026-01-10', '2026-02-01', '2026-02-10', '2026-02-15', '2026-03-01']);
    // Every lockfile was committed (the conflicted upgrade is not, but its repository's creation is).
    expect(report.adoption.timeline.at(-1)!.onGoldenPath).toBe(7);
  });

  it('--since leaves earlier adoptions out of the lags', async () => {
    const r = await cli('platform', ['fleet', 'status', 'fleet', '--json', '--since', '2026-02-14'], { cwd: fleet.home, env: fleet.env });
    expect(r.code, out(r)).toBe(0);
    const since = JSON.parse(r.stdout) as Report;
    const latest = since.adoption.releases.find((x) => x.component === 'service' && x.version === LATEST)!;
    expect(latest).toMatchObject({ released: '2026-02-01', adopted: 2, medianLagDays: 21 });
    expect(since.adoption.timeline.map((p) => p.date)).toEqual(['2026-02-15', '2026-03-01']);
  });

  it('the table and the Markdown report show the same numbers', async () => {
    const table = await cli('platform', ['fleet', 'status', 'fleet', '--check-drift'], { cwd: fleet.home, env: fleet.env });
    expect(table.code, out(table)).toBe(0);
    const oldRow = table.stdout.split('\n').find((l) => l.startsWith('fleet/old '))!;
    expect(oldRow.split(/\s{2,}/).slice(0, 5)).toEqual(['fleet/old', 'service', '1.0.0', LATEST, String(behindOf('1.0.0'))]);
    expect(table.stdout).toMatch(/^fleet\/drifted\s.*1: Dockerfile/m);
    expect(table.stdout).toMatch(/^fleet\/hooks\s.*pending/m);
    expect(table.stdout).toContain('7 repositories, 7 components');

    const md = await cli('platform', ['fleet', 'status', 'fleet', '--markdown', '--check-drift'], { cwd: fleet.home, env: fleet.env });
    expect(md.code, out(md)).toBe(0);
    expect(md.stdout).toContain('**7** repositories · **7** components');
    expect(md.stdout).toContain(`| fleet/old | service | 1.0.0 ⬆️ | ${LATEST} | ${behindOf('1.0.0')} |`);
    expect(md.stdout).toContain('| fleet/conflict | service |');
    expect(md.stdout).toMatch(/\| fleet\/conflict \| service \| [^|]+ \| [^|]+ \| \d+ \| 1: Dockerfile \| 1: Dockerfile \|/);
    expect(md.stdout).toContain(`| service@${LATEST} | 2026-02-01¹ | 3 |`);
    expect(md.stdout).toContain('14 d | fleet/upgraded (28 d) |');
  });

  it('a hostile repository is reported as refused, the others still read; a bad list line never reaches git', async () => {
    const home = fleet.home;
    const evil = join(home, 'evil');
    mkdirSync(join(evil, 'linked'), { recursive: true });
    symlinkSync(join(fleet.root, 'old', '.platform.yaml'), join(evil, 'linked', '.platform.yaml'));
    mkdirSync(join(evil, 'fifo'));
    execFileSync('mkfifo', [join(evil, 'fifo', '.platform.yaml')]);
    mkdirSync(join(evil, 'outside'));
    // A lockfile naming a file outside its repository.
    writeFileSync(join(evil, 'outside', '.platform.yaml'), readFileSync(join(fleet.root, 'old', '.platform.yaml'), 'utf8').replace(/^(\s+)Dockerfile:/m, '$1../../old/Dockerfile:'));
    writeFileSync(join(home, 'repos.txt'), ['fleet/old', 'evil', 'ext::sh -c touch% /tmp/pwned', '-uhack', 'git+file:///nonexistent/repo.git', ''].join('\n'));
    const r = await cli('platform', ['fleet', 'status', '--repos', 'repos.txt', '--json', '--offline'], { cwd: home, env: fleet.env, timeoutMs: 60_000 });
    expect(r.code, out(r)).toBe(0);
    const hostile = JSON.parse(r.stdout) as Report;
    const byName = new Map(hostile.repos.map((x) => [x.repo, x]));
    expect(byName.get('fleet/old')?.components[0]?.version).toBe('1.0.0');
    expect(byName.get('evil/linked')?.error?.code).toBe('target-symlink');
    expect(byName.get('evil/fifo')?.error?.code).toBe('path-in-the-way');
    expect(byName.get('evil/outside')?.error?.code).toBe('unsafe-path');
    expect(byName.get('ext::sh -c touch% /tmp/pwned')?.error?.code).toBe('repo-refused');
    expect(byName.get('-uhack')?.error?.code).toBe('repo-refused');
    expect(byName.get('file:///nonexistent/repo.git')?.error?.code).toBe('offline-not-cached');
    expect(hostile.totals.unreadable).toBe(6);
    expect(existsSync('/tmp/pwned')).toBe(false);
  });

  it('a repository given by URL is cloned into the cache with its lockfile history; --offline reads that clone', async () => {
    const home = fleet.home;
    writeFileSync(join(home, 'urls.txt'), `${pathToFileURL(join(fleet.root, 'upgraded')).href}\n`);
    for (const extra of [[], ['--offline']]) {
      const r = await cli('platform', ['fleet', 'status', '--repos', 'urls.txt', '--json', ...extra], { cwd: home, env: fleet.env });
      expect(r.code, out(r)).toBe(0);
      const viaUrl = JSON.parse(r.stdout) as Report;
      expect(viaUrl.repos).toHaveLength(1);
      expect(viaUrl.repos[0]).toMatchObject({ repo: pathToFileURL(join(fleet.root, 'upgraded')).href, components: [{ name: 'service', version: LATEST }] });
      expect(viaUrl.repos[0]!.lockfileChanged?.slice(0, 10)).toBe('2026-03-01');
      expect(viaUrl.adoption.goldenPath[0]?.date).toBe('2026-01-10');
    }
    expect(existsSync(join(fleet.env.PLATFORM_CACHE_DIR!, 'fleet'))).toBe(true);
  });

  it('a repository\'s git config never runs a program while its history is read (textconv, external diff, fsmonitor)', async () => {
    const repo = join(fleet.home, 'gitconfig-trap', 'svc');
    mkdirSync(repo, { recursive: true });
    const marker = join(fleet.home, 'trap-ran');
    const script = join(fleet.home, 'trap.sh');
    writeFileSync(script, `#!/bin/sh\ntouch ${JSON.stringify(marker)}\ncat "$1" 2>/dev/null\n`, { mode: 0o755 });
    copyFileSync(join(fleet.root, 'old', '.platform.yaml'), join(repo, '.platform.yaml'));
    writeFileSync(join(repo, '.gitattributes'), '.platform.yaml diff=trap\n');
    expect(fleet.git(repo, ['init', '-q']).code).toBe(0);
    expect(fleet.git(repo, ['add', '-A']).code).toBe(0);
    expect(fleet.git(repo, ['commit', '-q', '-m', 'trap'], '2026-04-01').code).toBe(0);
    for (const [key, value] of [['diff.trap.textconv', script], ['diff.trap.command', script], ['diff.external', script], ['core.fsmonitor', script], ['log.showSignature', 'true'], ['gpg.program', script]]) {
      expect(fleet.git(repo, ['config', key!, value!]).code).toBe(0);
    }
    const r = await cli('platform', ['fleet', 'status', 'gitconfig-trap', '--json'], { cwd: fleet.home, env: fleet.env });
    expect(r.code, out(r)).toBe(0);
    const trap = JSON.parse(r.stdout) as Report;
    expect(trap.repos[0]).toMatchObject({ repo: 'gitconfig-trap/svc', components: [{ version: '1.0.0' }] });
    expect(trap.repos[0]!.lockfileChanged?.slice(0, 10)).toBe('2026-04-01');
    // Without history git's index is asked for conflicts instead (fsmonitor would run there).
    const noHistory = await cli('platform', ['fleet', 'status', 'gitconfig-trap', '--json', '--no-history'], { cwd: fleet.home, env: fleet.env });
    expect(noHistory.code, out(noHistory)).toBe(0);
    expect((JSON.parse(noHistory.stdout) as Report).repos[0]).toMatchObject({ components: [{ version: '1.0.0' }], conflicts: [] });
    expect(existsSync(marker)).toBe(false);
  });

  it('bad flags: exit 2 with what to do', async () => {
    const since = await cli('platform', ['fleet', 'status', 'fleet', '--since', 'yesterday'], { cwd: fleet.home, env: fleet.env });
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('YYYY-MM-DD');
    const both = await cli('platform', ['fleet', 'status', 'fleet', '--json', '--markdown'], { cwd: fleet.home, env: fleet.env });
    expect(both.code).toBe(2);
    const list = await cli('platform', ['fleet', 'status', '--repos', '/dev/zero'], { cwd: fleet.home, env: fleet.env });
    expect(list.code, out(list)).toBe(2);
    expect(list.stderr).toContain('not a regular file');
  });
});

describe('the HTML report in headless Chromium', () => {
  it('shows the charts, the rows and sorts by a header; escapes a hostile name; no console errors, no network', async () => {
    const home = fleet.home;
    // A repository whose path reads as a script tag.
    const weird = join(home, 'extra', '<script>window.pwned=1;<', 'script>');
    mkdirSync(weird, { recursive: true });
    copyFileSync(join(fleet.root, 'old', '.platform.yaml'), join(weird, '.platform.yaml'));
    const r = await cli('platform', ['fleet', 'status', 'fleet', 'extra', '--json', '--check-drift', '--html', 'report.html'], { cwd: home, env: fleet.env });
    expect(r.code, out(r)).toBe(0);
    const data = JSON.parse(r.stdout) as Report;
    const file = join(home, 'report.html');
    expect(readFileSync(file, 'utf8')).not.toContain('<script>window.pwned');

    expect(existsSync('/usr/bin/chromium'), 'Debian\'s chromium is needed: apt-get install chromium (.ci/run installs it)').toBe(true);
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(tempDir('chromium-'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (q) => requests.push(q.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url);

      const bars = data.adoption.versions.reduce((n, v) => n + v.counts.length, 0);
      expect(await page.locator('#chart-versions rect.bar').count()).toBe(bars);
      expect(await page.locator('#chart-adoption circle.point[data-series="golden-path"]').count()).toBe(data.adoption.timeline.length);
      expect(await page.locator('#chart-lag rect.lag-bar').count()).toBe(data.adoption.lagDistribution.length);
      const lagCounts = await page.locator('#chart-lag rect.lag-bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
      expect(lagCounts).toEqual(data.adoption.lagDistribution.map((b) => b.count));
      expect(await page.locator('#chart-versions rect.bar').first().isVisible()).toBe(true);

      const rows = page.locator('#repos tbody tr');
      expect(await rows.count()).toBe(data.repos.reduce((n, x) => n + Math.max(1, x.components.length), 0));
      await expect.poll(() => page.locator('#repos td', { hasText: '<script>window.pwned=1;</script>' }).count()).toBe(1);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.locator('[data-card="repositories"] b').textContent()).toBe(String(data.totals.repositories));

      const firstColumn = () => rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLTableRowElement).cells[0]!.textContent!));
      const repos = data.repos.map((x) => x.repo);
      await page.locator('#repos th[data-key="repo"] button').click();
      expect(await firstColumn()).toEqual([...(await firstColumn())].sort((a, b) => a.localeCompare(b)));
      expect(new Set(await firstColumn())).toEqual(new Set(repos));
      await page.locator('#repos th[data-key="repo"] button').click();
      expect(await firstColumn()).toEqual([...(await firstColumn())].sort((a, b) => b.localeCompare(a)));
      await page.locator('#repos th[data-key="behind"] button').click();
      const behind = await rows.evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLTableRowElement).cells[4]!.getAttribute('data-sort'))));
      expect(behind).toEqual([...behind].sort((a, b) => a - b));
      expect(behind.at(-1)).toBe(behindOf('1.0.0'));
      expect(await page.locator('#repos th[data-key="behind"]').getAttribute('aria-sort')).toBe('ascending');

      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await context.close();
    }
  });
});
