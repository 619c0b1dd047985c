/**
 * create-service's git step (with --no-install): first commit, no identity, nested repos.
 * Git's global config is a temp file (GIT_CONFIG_GLOBAL) and the system config is off,
 * so the machine's own identity never leaks into these tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** env with a private global git config. */
function gitEnv(dir: string, config: string): Record<string, string> {
  const file = join(dir, 'gitconfig');
  writeFileSync(file, config);
  return {
    GIT_CONFIG_GLOBAL: file,
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

const IDENTITY = '[user]\n\tname = E2E Tester\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n';

function git(cwd: string, env: Record<string, string>, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function filesOnDisk(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else files.push(relative(dir, abs));
    }
  };
  walk(dir);
  return files.sort();
}

const lines = (text: string) => text.split('\n').filter(Boolean).sort();

describe('git step', () => {
  it('with an identity: a new repo with one commit holding every file, and a clean status', async () => {
    const cwd = tempDir();
    const env = gitEnv(cwd, IDENTITY);
    const r = await cli('create-service', ['svc', '--yes', '--no-install'], { cwd, env });
    expect(r.code, out(r)).toBe(0);
    const dir = join(cwd, 'svc');
    expect(existsSync(join(dir, '.git'))).toBe(true);
    expect(git(dir, env, ['rev-parse', '--show-toplevel']).stdout.trim()).toBe(dir);

    const log = git(dir, env, ['log', '--format=%an <%ae>|%s']);
    expect(log.code, log.stderr).toBe(0);
    const commits = lines(log.stdout);
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatch(/^E2E Tester <e2e@example\.com>\|/);

    const committed = lines(git(dir, env, ['ls-tree', '-r', '--name-only', 'HEAD']).stdout);
    const onDisk = filesOnDisk(dir);
    expect(onDisk).toContain('.platform.yaml');
    expect(onDisk).toContain('package.json');
    expect(committed).toEqual(onDisk);
    expect(git(dir, env, ['status', '--porcelain', '--untracked-files=all']).stdout).toBe('');
  });

  it('without user.email: exit 0, repo initialised, every file staged, and a note about configuring git', async () => {
    const cwd = tempDir();
    const env = gitEnv(cwd, '[init]\n\tdefaultBranch = main\n');
    const r = await cli('create-service', ['svc', '--yes', '--no-install'], { cwd, env });
    expect(r.code, out(r)).toBe(0);
    const dir = join(cwd, 'svc');
    expect(existsSync(join(dir, '.git'))).toBe(true);
    expect(git(dir, env, ['rev-parse', '--verify', '--quiet', 'HEAD']).code).not.toBe(0); // no commit
    const staged = lines(git(dir, env, ['diff', '--cached', '--name-only']).stdout);
    expect(staged).toEqual(filesOnDisk(dir));
    expect(lines(git(dir, env, ['status', '--porcelain', '--untracked-files=all']).stdout).every((l) => l.startsWith('A '))).toBe(true);
    expect(`${r.stdout}${r.stderr}`).toMatch(/user\.email/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/git config/);
  });

  it('inside an existing git repository: no nested repository is created', async () => {
    const cwd = tempDir();
    const env = gitEnv(cwd, IDENTITY);
    const outer = join(cwd, 'monorepo');
    mkdirSync(join(outer, 'services'), { recursive: true });
    expect(git(outer, env, ['init', '--quiet']).code).toBe(0);
    const r = await cli('create-service', ['svc', '--yes', '--no-install'], { cwd: join(outer, 'services'), env });
    expect(r.code, out(r)).toBe(0);
    const dir = join(outer, 'services', 'svc');
    expect(existsSync(join(dir, 'package.json'))).toBe(true);
    expect(existsSync(join(dir, '.git'))).toBe(false);
    expect(git(dir, env, ['rev-parse', '--show-toplevel']).stdout.trim()).toBe(outer);
    // the outer repository was left alone: no commit made for the user
    expect(git(outer, env, ['rev-parse', '--verify', '--quiet', 'HEAD']).code).not.toBe(0);
  });

  it('--no-git: no repository', async () => {
    const cwd = tempDir();
    const env = gitEnv(cwd, IDENTITY);
    const r = await cli('create-service', ['svc', '--yes', '--no-install', '--no-git'], { cwd, env });
    expect(r.code, out(r)).toBe(0);
    expect(existsSync(join(cwd, 'svc', '.git'))).toBe(false);
    expect(existsSync(join(cwd, 'svc', 'package.json'))).toBe(true);
  });

  it('installs before the first commit: the package manager\'s lockfile is committed and `git status` is empty', async () => {
    const cwd = tempDir();
    const bin = join(cwd, 'fake-bin');
    mkdirSync(bin);
    // A stand-in npm that does what an install leaves behind: node_modules (ignored) and a lockfile.
    writeFileSync(join(bin, 'npm'), '#!/bin/sh\nmkdir -p node_modules/x && echo {} > node_modules/x/package.json && echo \'{"lockfileVersion":3}\' > package-lock.json\n');
    spawnSync('chmod', ['755', join(bin, 'npm')]);
    const env = { ...gitEnv(cwd, IDENTITY), PATH: `${bin}:${process.env.PATH ?? ''}` };
    const r = await cli('create-service', ['svc', '--yes', '--template', 'service'], { cwd, env });
    expect(r.code, out(r)).toBe(0);
    const repo = join(cwd, 'svc');
    expect(git(repo, env, ['status', '--porcelain']).stdout).toBe('');
    expect(git(repo, env, ['ls-files', 'package-lock.json']).stdout.trim()).toBe('package-lock.json');
    expect(git(repo, env, ['ls-files', 'node_modules']).stdout).toBe('');
  });
});

describe('create-service run again (bootstrap scripts retry)', () => {
  it('the same command after --no-git makes the first commit; once more it is a no-op; other answers are refused', async () => {
    const cwd = tempDir();
    const env = gitEnv(cwd, IDENTITY);
    const first = await cli('create-service', ['svc', '--yes', '--no-install', '--no-git'], { cwd, env });
    expect(first.code, out(first)).toBe(0);
    const dir = join(cwd, 'svc');
    const files = filesOnDisk(dir);

    const again = await cli('create-service', ['svc', '--yes', '--no-install'], { cwd, env });
    expect(again.code, out(again)).toBe(0);
    expect(again.stdout).toContain('finishing what an earlier run left undone: the first commit');
    expect(lines(git(dir, env, ['log', '--format=%s']).stdout)).toHaveLength(1);
    expect(git(dir, env, ['status', '--porcelain']).stdout).toBe('');
    expect(filesOnDisk(dir)).toEqual(files);

    const noop = await cli('create-service', ['svc', '--yes', '--no-install'], { cwd, env });
    expect(noop.code, out(noop)).toBe(0);
    expect(noop.stdout).toContain('nothing to do');
    expect(lines(git(dir, env, ['log', '--format=%s']).stdout)).toHaveLength(1);

    const other = await cli('create-service', ['svc', '--yes', '--no-install', '--set', 'port=9090'], { cwd, env });
    expect(other.code, out(other)).toBe(2);
    expect(other.stderr).toContain('port is 8080 here, 9090 now');
  });

  it('a re-run after a failed install installs (and stages the lockfile it wrote) instead of refusing; then it is a no-op', async () => {
    const cwd = tempDir();
    const env = gitEnv(cwd, IDENTITY);
    const tpl = join(cwd, 'tpl');
    mkdirSync(join(tpl, 'files'), { recursive: true });
    writeFileSync(join(tpl, 'template.yaml'), 'name: tiny\nversion: 1.0.0\nquestions:\n  - { name: name, type: string, default: tiny }\n');
    // A dependency that is not there yet: the first install fails (offline, fast).
    writeFileSync(join(tpl, 'files', 'package.json.hbs'), '{\n  "name": "{{name}}",\n  "version": "1.0.0",\n  "private": true,\n  "dependencies": { "dep": "file:../dep-1.0.0.tgz" }\n}\n');
    const failed = await cli('create-service', ['svc', '--template', tpl, '--yes', '--trust'], { cwd, env: { ...env, npm_config_user_agent: 'npm/10.0.0 node/v20.0.0', npm_config_offline: 'true' } });
    expect(failed.code, out(failed)).toBe(1);
    const dir = join(cwd, 'svc');
    expect(existsSync(join(dir, '.platform.yaml'))).toBe(true);

    mkdirSync(join(cwd, 'dep'));
    writeFileSync(join(cwd, 'dep', 'package.json'), '{ "name": "dep", "version": "1.0.0" }\n');
    expect(spawnSync('npm', ['pack', '--silent', './dep'], { cwd, encoding: 'utf8' }).status).toBe(0);
    const retry = await cli('create-service', ['svc', '--template', tpl, '--yes', '--trust'], { cwd, env: { ...env, npm_config_user_agent: 'npm/10.0.0 node/v20.0.0', npm_config_offline: 'true' } });
    expect(retry.code, out(retry)).toBe(0);
    expect(retry.stdout).toContain('finishing what an earlier run left undone: install (npm install)');
    expect(existsSync(join(dir, 'node_modules', '.package-lock.json'))).toBe(true);
    // The first commit was made when the install failed: the lockfile is staged for the next one.
    expect(git(dir, env, ['status', '--porcelain']).stdout).toMatch(/^A {2}package-lock\.json$/m);
    expect(retry.stdout).toContain('Staged package-lock.json from the install');
    const done = await cli('create-service', ['svc', '--template', tpl, '--yes', '--trust'], { cwd, env: { ...env, npm_config_user_agent: 'npm/10.0.0 node/v20.0.0', npm_config_offline: 'true' } });
    expect(done.code, out(done)).toBe(0);
    expect(done.stdout).toContain('nothing to do');
  });
});

describe('create-service run again after its hooks were refused', () => {
  it('the retry with --trust runs the pending hooks and clears the mark; then it is a no-op', async () => {
    const cwd = tempDir();
    const env = gitEnv(cwd, IDENTITY);
    const tpl = join(cwd, 'tpl');
    mkdirSync(join(tpl, 'files'), { recursive: true });
    writeFileSync(join(tpl, 'template.yaml'), 'name: hooked\nversion: 1.0.0\nquestions:\n  - { name: name, type: string, default: hooked }\nhooks:\n  - run: [node, -e, "require(\'fs\').writeFileSync(\'hooked.txt\', \'ran\\\\n\')"]\n    description: mark that the hook ran\n    on: [create]\n');
    writeFileSync(join(tpl, 'files', 'README.md.hbs'), '# {{name}}\n');
    const refused = await cli('create-service', ['svc', '--template', tpl, '--yes', '--no-install', '--no-git'], { cwd, env });
    expect(refused.code, out(refused)).toBe(4);
    const dir = join(cwd, 'svc');
    expect(readFileSync(join(dir, '.platform.yaml'), 'utf8')).toContain('hooks: pending');

    const retry = await cli('create-service', ['svc', '--template', tpl, '--yes', '--no-install', '--no-git', '--trust'], { cwd, env });
    expect(retry.code, out(retry)).toBe(0);
    expect(retry.stdout).toContain('finishing what an earlier run left undone: the hooks of hooked');
    expect(readFileSync(join(dir, 'hooked.txt'), 'utf8')).toBe('ran\n');
    expect(readFileSync(join(dir, '.platform.yaml'), 'utf8')).not.toContain('hooks:');

    const noop = await cli('create-service', ['svc', '--template', tpl, '--yes', '--no-install', '--no-git', '--trust'], { cwd, env });
    expect(noop.code, out(noop)).toBe(0);
    expect(noop.stdout).toContain('nothing to do');
  });
});
