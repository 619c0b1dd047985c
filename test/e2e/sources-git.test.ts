/**
 * Templates from a git repository, as a user runs them: the packed CLI, a bare repository on disk
 * (file://) tagged v1.0.0 and v1.1.0, a temp cache (PLATFORM_CACHE_DIR) and a temp git config.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

let ENV: Record<string, string> = {};
let BARE = '';

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...ENV }, encoding: 'utf8' });
  expect(r.status, `git ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function writeTemplate(dir: string, version: string, extra: Record<string, string> = {}): void {
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), `name: gitsvc\nversion: ${version}\ndescription: A template kept in git\n`);
  writeFileSync(join(dir, 'files', 'README.md.hbs'), `# {{@target}}\n\nfrom gitsvc ${version}\n`);
  for (const [path, text] of Object.entries(extra)) writeFileSync(join(dir, 'files', path), text);
}

beforeAll(() => {
  const home = tempDir('sources-git-fixtures-');
  writeFileSync(join(home, 'gitconfig'), '[user]\n\tname = E2E Tester\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n');
  ENV = { GIT_CONFIG_GLOBAL: join(home, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1', PLATFORM_CACHE_DIR: join(home, 'cache') };
  const work = join(home, 'work');
  mkdirSync(work);
  git(work, ['init', '-q']);
  writeTemplate(work, '1.0.0');
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', 'gitsvc 1.0.0']);
  git(work, ['tag', 'v1.0.0']);
  writeTemplate(work, '1.1.0', { 'NEW.md': 'added in 1.1.0\n' });
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', 'gitsvc 1.1.0']);
  git(work, ['tag', 'v1.1.0']);
  BARE = join(home, 'templates.git');
  git(home, ['clone', '-q', '--bare', work, BARE]);
});

describe('--template git+file://', () => {
  it('creates from a tag, records git:file://…, and upgrade moves it to the newer tag', async () => {
    const parent = tempDir('sources-git-');
    const create = await cli('create-service', ['app', '--template', `git+file://${BARE}@1.0.0`, '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(create.code, out(create)).toBe(0);
    const app = join(parent, 'app');
    expect(readFileSync(join(app, 'README.md'), 'utf8')).toBe('# app\n\nfrom gitsvc 1.0.0\n');
    expect(existsSync(join(app, 'NEW.md'))).toBe(false);
    const lock = parse(readFileSync(join(app, '.platform.yaml'), 'utf8')) as { templates: Array<{ name: string; version: string; source: string }> };
    expect(lock.templates).toMatchObject([{ name: 'gitsvc', version: '1.0.0', source: `git:file://${BARE}` }]);

    git(app, ['init', '-q']);
    git(app, ['add', '-A']);
    git(app, ['commit', '-q', '-m', 'create']);

    const status = await cli('platform', ['status'], { cwd: app, env: ENV });
    expect(status.code, out(status)).toBe(0);
    expect(status.stdout + status.stderr).toContain('1.1.0 available');

    const upgrade = await cli('platform', ['upgrade', '--yes'], { cwd: app, env: ENV });
    expect(upgrade.code, out(upgrade)).toBe(0);
    expect(readFileSync(join(app, 'README.md'), 'utf8')).toBe('# app\n\nfrom gitsvc 1.1.0\n');
    expect(readFileSync(join(app, 'NEW.md'), 'utf8')).toBe('added in 1.1.0\n');
    const after = parse(readFileSync(join(app, '.platform.yaml'), 'utf8')) as typeof lock;
    expect(after.templates).toMatchObject([{ name: 'gitsvc', version: '1.1.0', source: `git:file://${BARE}` }]);

    const again = await cli('platform', ['upgrade', '--yes'], { cwd: app, env: ENV });
    expect(again.code, out(again)).toBe(0);
    expect(again.stdout + again.stderr).toContain('gitsvc@1.1.0 is up to date');
  });

  it('refuses a ref that looks like a git option (exit 5) and writes nothing', async () => {
    const parent = tempDir('sources-git-evil-');
    const pwned = join(parent, 'pwned');
    const r = await cli('create-service', ['app', '--template', `git+file://${BARE}#--upload-pack=touch ${pwned}`, '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(r.code, out(r)).toBe(5);
    expect(r.stderr).toContain('starts with "-"');
    expect(readdirSync(parent)).toEqual([]);

    const plain = await cli('create-service', ['app', '--template', `git+file://${BARE}#--upload-pack=evil`, '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(plain.code, out(plain)).toBe(5);
    expect(readdirSync(parent)).toEqual([]);
  });
});
