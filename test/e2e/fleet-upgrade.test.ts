/**
 * `platform fleet upgrade` over the fleet of fleet-setup.ts: each repository upgraded on a new
 * branch by the ordinary pipeline, a pull-request body each, and a sharded run (a CI matrix of
 * two) that does exactly what one unsharded run does.
 */
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './harness.js';
import { buildFleet, LATEST, out, type Fleet } from './fleet-setup.js';

interface Summary {
  branch: string;
  shard?: string;
  repos: Array<{ repo: string; path: string; status: string; branch?: string; commit?: string; prBody?: string; services: Array<{ folder: string; components: Array<{ name: string; from: string; to: string }>; conflicts: string[]; changed: string[]; newQuestions: unknown[] }>; error?: string }>;
}

let fleet: Fleet;
const LIST = ['old', 'upgraded', 'conflict', 'drifted', 'hooks', 'mono', '', '# not a repository: refused, never given to git', 'ext::sh -c touch% /tmp/pwned-upgrade'];

beforeAll(async () => {
  fleet = await buildFleet(tempDir('fleet-up-'));
}, 300_000);

/** A copy of the fleet (the upgrades change it), with the repository list beside it. */
function copyFleet(name: string): string {
  const dir = join(fleet.home, name);
  cpSync(fleet.root, dir, { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(dir, 'repos.txt'), `${LIST.join('\n')}\n`);
  return dir;
}

/** What must agree between runs: everything but where the copy is and the commit ids (dates differ). */
function comparable(summary: Summary, root: string): unknown[] {
  const repos = summary.repos.map(({ commit, ...rest }) => ({ ...rest, committed: commit !== undefined })).sort((a, b) => a.repo.localeCompare(b.repo));
  return JSON.parse(JSON.stringify(repos).replaceAll(root, '<root>')) as unknown[];
}

function bodies(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

describe('platform fleet upgrade', () => {
  it('upgrades each repository on a branch, writes its pull-request body; a sharded run equals the unsharded one', async () => {
    const whole = copyFleet('whole');
    const r = await cli('platform', ['fleet', 'upgrade', '--repos', 'repos.txt', '--branch', 'platform/upgrade', '--out', 'out', '--json'], { cwd: whole, env: fleet.env, timeoutMs: 300_000 });
    // The conflicted repository is left alone (its index holds unmerged files): exit 1, reported.
    expect(r.code, out(r)).toBe(1);
    const summary = JSON.parse(r.stdout) as Summary;
    const byRepo = new Map(summary.repos.map((x) => [x.repo, x]));
    expect(byRepo.get('old')).toMatchObject({ status: 'upgraded', branch: 'platform/upgrade', prBody: 'old.md' });
    expect(byRepo.get('old')!.services[0]!.components).toEqual([{ name: 'service', from: '1.0.0', to: LATEST }]);
    expect(byRepo.get('upgraded')).toMatchObject({ status: 'up-to-date' });
    expect(byRepo.get('hooks')).toMatchObject({ status: 'up-to-date' });
    expect(byRepo.get('conflict')).toMatchObject({ status: 'failed' });
    expect(byRepo.get('conflict')!.branch).toBeUndefined();
    expect(byRepo.get('conflict')!.error).toContain('unresolved conflicts');
    expect(fleet.git(join(whole, 'conflict'), ['branch', '--list']).stdout.trim()).toBe('* main');
    expect(byRepo.get('ext::sh -c touch% /tmp/pwned-upgrade')).toMatchObject({ status: 'refused' });
    // The drifted Dockerfile is owned and the template did not change it since LATEST: nothing to do.
    expect(byRepo.get('drifted')).toMatchObject({ status: 'up-to-date' });
    // The monorepo: one branch, one commit, both services (svc-b is already on the latest).
    const mono = byRepo.get('mono')!;
    expect(mono).toMatchObject({ status: 'upgraded', prBody: 'mono.md' });
    expect(mono.services.map((s) => [s.folder, s.components.map((c) => `${c.from}->${c.to}`)])).toEqual([['svc-a', [`1.1.0->${LATEST}`]], ['svc-b', []]]);

    // The branch holds the upgrade, committed; the default branch is untouched; the tree is clean.
    const oldRepo = join(whole, 'old');
    expect(fleet.git(oldRepo, ['rev-parse', '--abbrev-ref', 'HEAD']).stdout.trim()).toBe('platform/upgrade');
    expect(fleet.git(oldRepo, ['status', '--porcelain']).stdout).toBe('');
    expect(fleet.git(oldRepo, ['show', 'main:.platform.yaml']).stdout).toContain('version: 1.0.0');
    expect(fleet.git(oldRepo, ['show', 'platform/upgrade:.platform.yaml']).stdout).toContain(`version: ${LATEST}`);
    // Nothing to propose: no branch left behind.
    expect(fleet.git(join(whole, 'upgraded'), ['branch', '--list', 'platform/upgrade']).stdout).toBe('');

    const body = readFileSync(join(whole, 'out', 'old.md'), 'utf8');
    expect(body).toContain(`# Platform upgrade: service 1.0.0 → ${LATEST}`);
    expect(body).toContain('| service | 1.0.0 | ' + LATEST + ' |');
    expect(body).toContain('- `Dockerfile`');
    expect(body).toContain('**New questions**');
    expect(existsSync('/tmp/pwned-upgrade')).toBe(false);

    // The same list as a matrix of two.
    const sharded = copyFleet('sharded');
    const shards: Summary[] = [];
    for (const shard of ['1/2', '2/2']) {
      const s = await cli('platform', ['fleet', 'upgrade', '--repos', 'repos.txt', '--branch', 'platform/upgrade', '--out', 'out', '--shard', shard, '--concurrency', '1', '--json'], { cwd: sharded, env: fleet.env, timeoutMs: 300_000 });
      expect([0, 1, 3], out(s)).toContain(s.code);
      shards.push(JSON.parse(s.stdout) as Summary);
      expect(existsSync(join(sharded, 'out', `summary-${shard.replace('/', '-of-')}.json`))).toBe(true);
    }
    expect(shards.map((s) => s.repos.length)).toEqual([4, 3]);
    const union = { ...summary, repos: shards.flatMap((s) => s.repos) };
    expect(comparable(union, sharded)).toEqual(comparable(summary, whole));
    expect(bodies(join(sharded, 'out'))).toEqual(bodies(join(whole, 'out')));
    expect(fleet.git(join(sharded, 'mono'), ['diff', '--stat', 'main', 'platform/upgrade']).stdout).toBe(fleet.git(join(whole, 'mono'), ['diff', '--stat', 'main', 'platform/upgrade']).stdout);
  });

  it('a repository given by URL is cloned into --work-dir, upgraded there, and its branch pushes as the README shows', async () => {
    const dir = copyFleet('by-url');
    const url = pathToFileURL(join(dir, 'old')).href;
    writeFileSync(join(dir, 'urls.txt'), `${url}\n`);
    const r = await cli('platform', ['fleet', 'upgrade', '--repos', 'urls.txt', '--branch', 'platform/upgrade', '--work-dir', 'work', '--json'], { cwd: dir, env: fleet.env, timeoutMs: 300_000 });
    expect(r.code, out(r)).toBe(0);
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary.repos).toHaveLength(1);
    const [one] = summary.repos;
    expect(one).toMatchObject({ repo: url, status: 'upgraded', branch: 'platform/upgrade' });
    expect(one!.path.startsWith(join(dir, 'work'))).toBe(true);
    // The push step of the README, from the summary.
    const push = fleet.git(one!.path, ['push', '--quiet', '--set-upstream', 'origin', 'platform/upgrade']);
    expect(push.code, push.stderr).toBe(0);
    expect(fleet.git(join(dir, 'old'), ['show', 'platform/upgrade:.platform.yaml']).stdout).toContain(`version: ${LATEST}`);
    expect(readFileSync(join(dir, 'fleet-upgrade', one!.prBody!), 'utf8')).toContain(`service 1.0.0 → ${LATEST}`);
  });

  it('--check on fleet status: exit 6 when something is behind or conflicted', async () => {
    const r = await cli('platform', ['fleet', 'status', fleet.root, '--check'], { cwd: fleet.home, env: fleet.env });
    expect(r.code, out(r)).toBe(6);
    expect(r.stderr).toContain('check failed');
  });

  it('refuses a bad branch name or shard before touching any repository', async () => {
    const dir = copyFleet('bad');
    const branch = await cli('platform', ['fleet', 'upgrade', '--repos', 'repos.txt', '--branch', '-f'], { cwd: dir, env: fleet.env });
    expect(branch.code, out(branch)).toBe(2);
    const shard = await cli('platform', ['fleet', 'upgrade', '--repos', 'repos.txt', '--branch', 'x', '--shard', '3/2'], { cwd: dir, env: fleet.env });
    expect(shard.code, out(shard)).toBe(2);
    expect(shard.stderr).toContain('I/N');
    expect(fleet.git(join(dir, 'old'), ['branch', '--list']).stdout.trim()).toBe('* main');
  });
});
