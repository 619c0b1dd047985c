/** GitSources against a real bare repository on disk (file://), with a temp cache. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitSources } from '../../src/sources/git-source.js';
import { taggedVersions } from '../../src/sources/git.js';

let root = '';
let bare = '';
let env: NodeJS.ProcessEnv = {};

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function writeTemplate(dir: string, version: string): void {
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), `name: svc\nversion: ${version}\ndescription: test\n`);
  writeFileSync(join(dir, 'files', 'README.md'), `svc ${version}\n`);
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sources-git-')));
  writeFileSync(join(root, 'gitconfig'), '[user]\n\tname = T\n\temail = t@example.com\n[init]\n\tdefaultBranch = main\n');
  env = { GIT_CONFIG_GLOBAL: join(root, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1', PLATFORM_CACHE_DIR: join(root, 'cache') };
  const work = join(root, 'work');
  mkdirSync(work);
  git(work, ['init', '-q']);
  writeTemplate(work, '1.0.0');
  writeTemplate(join(work, 'coll', 'svc'), '2.0.0');
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', '1.0.0']);
  git(work, ['tag', 'v1.0.0']);
  git(work, ['tag', 'svc-v2.0.0']);
  writeTemplate(work, '1.1.0');
  git(work, ['commit', '-q', '-am', '1.1.0']);
  git(work, ['tag', '-a', '-m', 'release', 'v1.1.0']);
  writeTemplate(work, '1.2.0-dev');
  git(work, ['commit', '-q', '-am', 'dev']);
  bare = join(root, 'templates.git');
  git(root, ['clone', '-q', '--bare', work, bare]);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const fullEnv = () => ({ ...process.env, ...env });

describe('git template sources', () => {
  it('lists tagged versions, picking the collection tag for a subfolder', () => {
    const tags = [{ name: 'v1.0.0', sha: 'a' }, { name: '1.0.0', sha: 'b' }, { name: 'svc-v1.0.0', sha: 'c' }, { name: 'junk', sha: 'd' }, { name: 'v0.9.0', sha: 'e' }];
    expect([...taggedVersions(tags, undefined)].map(([v, t]) => `${v}:${t.name}`)).toEqual(['0.9.0:v0.9.0', '1.0.0:v1.0.0']);
    expect([...taggedVersions(tags, 'svc')].map(([v, t]) => `${v}:${t.name}`)).toEqual(['1.0.0:svc-v1.0.0']);
    expect(taggedVersions(tags, 'other').get('1.0.0')?.name).toBe('v1.0.0');
  });

  it('loads the latest tag, a named version, a branch, and records git:URL', async () => {
    const sources = new GitSources(fullEnv());
    const latest = await sources.loadSpec(`git+file://${bare}`);
    expect(latest.manifest.version).toBe('1.1.0');
    expect(latest.source).toEqual({ kind: 'git', source: `git:file://${bare}` });
    expect((await sources.loadSpec(`git+file://${bare}@1.0.0`)).manifest.version).toBe('1.0.0');
    expect((await sources.loadSpec(`git+file://${bare}#main`)).manifest.version).toBe('1.2.0-dev');
    expect(await sources.versions(`git:file://${bare}`)).toEqual(['1.0.0', '1.1.0']);
    expect(await sources.versions(`git:file://${bare}//coll/svc`)).toEqual(['2.0.0']);
    const sub = await sources.loadSpec(`git+file://${bare}//coll/svc@2.0.0`);
    expect(sub.manifest.version).toBe('2.0.0');
    expect(sub.source).toEqual({ kind: 'git', source: `git:file://${bare}//coll/svc` });
    expect((await sources.loadSource(`git:file://${bare}`, 'svc', '1.0.0')).manifest.version).toBe('1.0.0');
  });

  it('fetches a commit by its full id, and reuses the cache', async () => {
    const sha = git(bare, ['rev-parse', 'v1.0.0^{commit}']);
    const sources = new GitSources(fullEnv());
    expect((await sources.loadSpec(`git+file://${bare}#${sha}`)).manifest.version).toBe('1.0.0');
    const cacheDirs = readdirSync(join(root, 'cache', 'sources'));
    expect(cacheDirs).toHaveLength(1);
    const before = readdirSync(join(root, 'cache', 'sources', cacheDirs[0]!)).sort();
    await new GitSources(fullEnv()).loadSpec(`git+file://${bare}#${sha}`);
    expect(readdirSync(join(root, 'cache', 'sources', cacheDirs[0]!)).sort()).toEqual(before);
    expect(before.some((d) => d.startsWith('.tmp-'))).toBe(false);
    // Files only: no .git (so no remote URL, nor a credential in it, is kept).
    expect(existsSync(join(root, 'cache', 'sources', cacheDirs[0]!, before[0]!, '.git'))).toBe(false);
    expect(existsSync(join(root, 'cache', 'sources', cacheDirs[0]!, before[0]!, 'template.yaml'))).toBe(true);
  });

  it('refuses option-like refs before running git, and unknown versions', async () => {
    const sources = new GitSources(fullEnv());
    await expect(sources.loadSpec(`git+file://${bare}#--upload-pack=touch ${root}/pwned`)).rejects.toMatchObject({ exitCode: 5 });
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    await expect(sources.loadSpec(`git+file://${bare}@9.9.9`)).rejects.toMatchObject({ code: 'template-version-unknown', exitCode: 2 });
    await expect(sources.loadSpec(`git+file://${bare}#nope`)).rejects.toMatchObject({ code: 'git-ref-unknown' });
  });

  it('reports a failing git without the credentials of the URL', async () => {
    const error = (await new GitSources(fullEnv()).loadSpec('git+https://user:s3cret@127.0.0.1:1/x.git').catch((e: unknown) => e)) as Error & { exitCode: number; code: string };
    expect(error.code).toBe('git-failed');
    expect(error.exitCode).toBe(1);
    expect(error.message).not.toContain('s3cret');
  });
});
