/**
 * A dry run goes through exactly the checks of the real run and exits with the same code; it
 * only skips the writes. Each scenario runs both ways on two identical folders: same exit code,
 * and the dry run's folder is left exactly as it was.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type Bin, type CliResult } from './harness.js';

const out = (r: CliResult): string => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** Every entry under dir with a hash of its bytes (the dry run must change none). */
function snapshot(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (at: string, rel: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      const key = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        tree[key] = 'dir';
        walk(path, key);
      } else tree[key] = stat.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'special';
    }
  };
  walk(dir, '');
  return tree;
}

const GIT_ENV = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' };

/** A local template folder, optionally with a hook and a package.json (so an install would run). */
function template(home: string, options: { hook?: boolean; packageJson?: boolean; version?: string; readme?: string; newQuestion?: boolean }): string {
  const dir = join(home, 'tpl', options.version ?? '1.0.0');
  mkdirSync(join(dir, 'files'), { recursive: true });
  const hook = options.hook ? `hooks:\n  - run: [${JSON.stringify(process.execPath)}, -e, "require('fs').writeFileSync('ran.txt', 'x')"]\n    description: write ran.txt\n` : '';
  writeFileSync(join(dir, 'template.yaml'), `name: thing\nversion: ${options.version ?? '1.0.0'}\nquestions:\n  - { name: name, type: string, default: svc }\n${options.newQuestion ? '  - { name: region, type: string, default: eu-west-1 }\n' : ''}${hook}`);
  writeFileSync(join(dir, 'files', 'README.md.hbs'), options.readme ?? '# {{name}}\n');
  if (options.packageJson) writeFileSync(join(dir, 'files', 'package.json.hbs'), '{ "name": "{{name}}", "private": true }\n');
  return join(home, 'tpl');
}

/**
 * Runs `bin args` in <home>/dry/<sub> with --dry-run and in <home>/real/<sub> without, where
 * both folders start as copies of <home>/base; returns both results and the dry folder's
 * before/after snapshots.
 */
async function bothWays(home: string, bin: Bin, args: string[], sub = '', env: Record<string, string> = {}) {
  cpSync(join(home, 'base'), join(home, 'dry'), { recursive: true });
  cpSync(join(home, 'base'), join(home, 'real'), { recursive: true });
  const options = (side: string) => ({ cwd: join(home, side, sub), env: { ...GIT_ENV, PLATFORM_CONFIG: join(home, 'config.yaml'), ...env } });
  const before = snapshot(join(home, 'dry'));
  const dry = await cli(bin, [...args, '--dry-run'], options('dry'));
  const after = snapshot(join(home, 'dry'));
  const real = await cli(bin, args, options('real'));
  return { dry, real, before, after };
}

describe('a dry run exits as the real run would, and writes nothing', () => {
  it('create from an untrusted template that would install dependencies: both exit 4', async () => {
    const home = tempDir('dry-agree-install-');
    mkdirSync(join(home, 'base'));
    const tpl = template(join(home, 'base'), { packageJson: true });
    const { dry, real, before, after } = await bothWays(home, 'create-service', ['svc', '--template', tpl.replace(join(home, 'base'), '.'), '--yes', '--no-git']);
    expect(real.code, out(real)).toBe(4);
    expect(dry.code, out(dry)).toBe(4);
    expect(dry.stderr).toContain('Dry run: nothing was written. The real run would write the files, then refuse to run `npm install`');
    expect(after).toEqual(before);
  });

  it('upgrade whose hook is untrusted: both exit 4, and the hook never runs', async () => {
    const home = tempDir('dry-agree-hooks-');
    mkdirSync(join(home, 'base'));
    const tpl = template(join(home, 'base'), {});
    const created = await cli('create-service', ['svc', '--template', './tpl', '--yes', '--no-install', '--no-git'], { cwd: join(home, 'base') });
    expect(created.code, out(created)).toBe(0);
    template(join(home, 'base'), { hook: true, version: '2.0.0', readme: '# {{name}}\n\nv2\n' });
    expect(tpl).toBe(join(home, 'base', 'tpl'));
    const untrusted = await bothWays(home, 'platform', ['upgrade', '--yes'], 'svc');
    expect(untrusted.real.code, out(untrusted.real)).toBe(4);
    expect(untrusted.dry.code, out(untrusted.dry)).toBe(4);
    expect(untrusted.after).toEqual(untrusted.before);
    expect(readdirSync(join(home, 'real', 'svc'))).not.toContain('ran.txt');
  });

  it('upgrade over uncommitted edits: both exit 5 (dirty-files)', async () => {
    const home = tempDir('dry-agree-dirty-');
    mkdirSync(join(home, 'base'));
    template(join(home, 'base'), {});
    const repo = join(home, 'base', 'svc');
    const created = await cli('create-service', ['svc', '--template', './tpl', '--yes', '--no-install'], { cwd: join(home, 'base'), env: GIT_ENV });
    expect(created.code, out(created)).toBe(0);
    template(join(home, 'base'), { version: '2.0.0', readme: '# {{name}}\n\nv2\n' });
    writeFileSync(join(repo, 'README.md'), '# svc\n\nmine, not committed\n');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toContain('README.md');
    const { dry, real, before, after } = await bothWays(home, 'platform', ['upgrade', '--yes'], 'svc');
    expect(real.code, out(real)).toBe(5);
    expect(dry.code, out(dry)).toBe(5);
    expect(dry.stderr).toContain('uncommitted changes: README.md');
    expect(after).toEqual(before);
  });

  it('add in a folder a killed run left half-written: the dry run rolls nothing back and says the real run will', async () => {
    const home = tempDir('dry-agree-recover-');
    mkdirSync(join(home, 'base'));
    template(join(home, 'base'), {});
    const repo = join(home, 'base', 'repo');
    mkdirSync(repo);
    // What a run killed while staging leaves: a staging folder without a journal.
    mkdirSync(join(repo, '.platform-staging'));
    writeFileSync(join(repo, '.platform-staging', 'new-0'), 'half\n');
    const { dry, real, before, after } = await bothWays(home, 'platform', ['add', '../tpl/1.0.0', '--yes'], 'repo');
    expect(real.code, out(real)).toBe(0);
    expect(dry.code, out(dry)).toBe(0);
    expect(dry.stderr).toContain('the real run removes it first');
    expect(after).toEqual(before);
  });

  it('upgrade to a version with a new question, no terminal and no --yes: both stop at the question (exit 2)', async () => {
    const home = tempDir('dry-agree-question-');
    mkdirSync(join(home, 'base'));
    template(join(home, 'base'), {});
    const created = await cli('create-service', ['svc', '--template', './tpl', '--yes', '--no-install', '--no-git'], { cwd: join(home, 'base') });
    expect(created.code, out(created)).toBe(0);
    template(join(home, 'base'), { version: '2.0.0', newQuestion: true, readme: '# {{name}} in {{region}}\n' });
    const asked = await bothWays(home, 'platform', ['upgrade'], 'svc');
    expect(asked.real.code, out(asked.real)).toBe(2);
    expect(asked.dry.code, out(asked.dry)).toBe(2);
    expect(asked.dry.stderr).toContain('region');
    expect(asked.after).toEqual(asked.before);
  });

  it('add whose file is already there with uncommitted changes: both exit 5; with --allow-dirty both leave a conflict (exit 3)', async () => {
    const home = tempDir('dry-agree-add-dirty-');
    mkdirSync(join(home, 'base'));
    template(join(home, 'base'), {});
    const repo = join(home, 'base', 'repo');
    mkdirSync(repo);
    writeFileSync(join(repo, 'README.md'), '# repo\n');
    execFileSync('git', ['init', '-q'], { cwd: repo });
    execFileSync('git', ['add', '-A'], { cwd: repo });
    execFileSync('git', ['commit', '-qm', 'init'], { cwd: repo, env: { ...process.env, ...GIT_ENV } });
    writeFileSync(join(repo, 'README.md'), '# repo\n\nunsaved work\n');
    const dirty = await bothWays(home, 'platform', ['add', '../tpl/1.0.0', '--yes'], 'repo');
    expect(dirty.real.code, out(dirty.real)).toBe(5);
    expect(dirty.dry.code, out(dirty.dry)).toBe(5);
    expect(dirty.dry.stderr).toContain('The add would change files with uncommitted changes: README.md');
    expect(readFileSync(join(home, 'real', 'repo', 'README.md'), 'utf8')).toBe('# repo\n\nunsaved work\n');
    expect(dirty.after).toEqual(dirty.before);

    for (const side of ['dry', 'real']) execFileSync('rm', ['-rf', join(home, side)]);
    const allowed = await bothWays(home, 'platform', ['add', '../tpl/1.0.0', '--yes', '--allow-dirty'], 'repo');
    expect(allowed.real.code, out(allowed.real)).toBe(3);
    expect(allowed.dry.code, out(allowed.dry)).toBe(3);
    expect(readFileSync(join(home, 'real', 'repo', 'README.md'), 'utf8')).toContain('unsaved work');
    expect(allowed.after).toEqual(allowed.before);
  });

  it('create --force over a different file: both report the conflict (exit 3), and the dry run shows it', async () => {
    const home = tempDir('dry-agree-force-');
    mkdirSync(join(home, 'base'));
    template(join(home, 'base'), {});
    mkdirSync(join(home, 'base', 'svc'));
    writeFileSync(join(home, 'base', 'svc', 'README.md'), '# mine\n');
    const { dry, real, before, after } = await bothWays(home, 'create-service', ['svc', '--template', './tpl', '--yes', '--no-install', '--no-git', '--force']);
    expect(real.code, out(real)).toBe(3);
    expect(dry.code, out(dry)).toBe(3);
    expect(dry.stdout).toMatch(/conflict\s+README\.md \(a different file is already there\)/);
    expect(readFileSync(join(home, 'real', 'svc', 'README.md'), 'utf8')).toContain('# mine');
    expect(after).toEqual(before);
  });
});
