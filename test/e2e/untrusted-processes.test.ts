/**
 * Issue 11, classes 1 and 4 (and class 9's git failures), as a user runs the packed CLI:
 * - the CLI's own git never runs code a repository, a template or a relative global
 *   core.hooksPath names (hooks, fsmonitor, filter and diff drivers): every payload appends to a
 *   canary file in the scratch folder, and each test first proves, with plain git on the same
 *   repository and config, that the payload is armed;
 * - the dependency install after create runs only for trusted templates, whatever the package
 *   manager (fake npm/pnpm/yarn/bun first on PATH record whether they were launched);
 * - a git step that fails (git missing, a full disk) is exit 1 with a hint, not a silent 0.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, keys, ptySession, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

const REAL_GIT = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();

/** A scratch home: its own HOME, global git config (GIT_CONFIG_GLOBAL), no system config, a canary path. */
function scratch(prefix: string, globalConfig = '') {
  const home = tempDir(prefix);
  const canary = join(home, 'canary');
  const gitconfig = join(home, 'gitconfig');
  writeFileSync(gitconfig, `[user]\n\tname = E2E\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n${globalConfig}`);
  const env = { HOME: home, GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1', PLATFORM_CONFIG: join(home, 'platform.yaml') };
  const git = (cwd: string, args: string[]) => {
    const r = spawnSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const fired = () => (existsSync(canary) ? readFileSync(canary, 'utf8').split('\n').filter(Boolean) : []);
  return { home, canary, env, git, fired };
}

/** An executable script that records its name in the canary (and never waits on its stdin). */
function payloadScript(path: string, canary: string, label: string, exitCode = 0): string {
  writeFileSync(path, `#!/bin/sh\necho ${label} >> '${canary}'\nexit ${exitCode}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Global config arming every kind of command git can be told to run, pointing at payloads in home. */
function hostileGlobalConfig(home: string, canary: string): string {
  const bin = join(home, 'payloads');
  mkdirSync(bin);
  const clean = payloadScript(join(bin, 'clean'), canary, 'global-filter-clean');
  const smudge = payloadScript(join(bin, 'smudge'), canary, 'global-filter-smudge');
  const textconv = payloadScript(join(bin, 'textconv'), canary, 'global-textconv');
  const fsmonitor = payloadScript(join(bin, 'fsmonitor'), canary, 'global-fsmonitor', 1);
  return [
    '[core]',
    '\thooksPath = .githooks', // relative: resolved in the work tree, i.e. in the rendered files
    `\tfsmonitor = ${fsmonitor}`,
    '[filter "evil"]',
    `\tclean = ${clean}`,
    `\tsmudge = ${smudge}`,
    '\trequired = true',
    '[diff "evil"]',
    `\ttextconv = ${textconv}`,
    '',
  ].join('\n');
}

/** Every file under dir (not .git) with its bytes, to check nothing else changed. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else files.set(relative(dir, abs), readFileSync(abs, 'latin1'));
    }
  };
  walk(dir);
  return files;
}

describe("the CLI's git never runs repository, template or hooksPath code", () => {
  it('create-service (git init, add, commit): a template rendering .githooks/* and a .gitattributes, with a hostile global config', async () => {
    const s = scratch('procs-create-');
    writeFileSync(s.env.GIT_CONFIG_GLOBAL, readFileSync(s.env.GIT_CONFIG_GLOBAL, 'utf8') + hostileGlobalConfig(s.home, s.canary));
    const template = join(s.home, 'tpl');
    mkdirSync(join(template, 'files', '.githooks'), { recursive: true });
    writeFileSync(join(template, 'template.yaml'), 'name: evil\nversion: 1.0.0\nquestions:\n  - { name: name, type: string, default: svc }\n');
    writeFileSync(join(template, 'files', 'README.md.hbs'), '# {{name}}\n');
    writeFileSync(join(template, 'files', '.gitattributes'), '* filter=evil diff=evil\n');
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'post-checkout', 'post-index-change', 'reference-transaction']) {
      payloadScript(join(template, 'files', '.githooks', hook), s.canary, `template-hook-${hook}`);
    }
    const target = join(s.home, 'svc');
    const r = await cli('create-service', [target, '--template', template, '--yes', '--no-install'], { cwd: s.home, env: s.env });
    expect(r.code, out(r)).toBe(0);
    expect(s.fired(), out(r)).toEqual([]);
    // The commit was made, with every file.
    expect(s.git(target, ['-c', 'core.fsmonitor=false', 'log', '--format=%s']).stdout).toMatch(/^Create svc from evil@1\.0\.0/);
    const committed = s.git(target, ['-c', 'core.fsmonitor=false', 'ls-tree', '-r', '--name-only', 'HEAD']).stdout;
    expect(committed).toContain('.githooks/post-commit');
    expect(statSync(join(target, '.githooks', 'post-commit')).mode & 0o111).not.toBe(0);

    // Control: plain git in the same repository with the same config does run them.
    writeFileSync(join(target, 'README.md'), '# changed\n');
    s.git(target, ['add', 'README.md']);
    s.git(target, ['commit', '-q', '--no-verify', '-m', 'control']);
    expect(s.fired()).toEqual(expect.arrayContaining(['global-filter-clean', 'template-hook-post-commit', 'global-fsmonitor']));
  });

  it('platform upgrade and status (rev-parse, status, hash-object, update-index) in a repository whose .git/config arms fsmonitor and a filter its .gitattributes uses', async () => {
    const s = scratch('procs-upgrade-');
    const dir = join(s.home, 'app');
    const created = await cli('create-service', [dir, '--template', 'service@1.0.0', '--yes', '--no-install', '--no-git'], { cwd: s.home, env: s.env });
    expect(created.code, out(created)).toBe(0);
    // A local edit that 1.1.0 also changes: the upgrade must record a conflict in git's index.
    const pkg = join(dir, 'package.json');
    const START = '"start": "exec node --enable-source-maps dist/server.js",';
    expect(readFileSync(pkg, 'utf8')).toContain(START);
    writeFileSync(pkg, readFileSync(pkg, 'utf8').replace(START, '"start": "exec node --enable-source-maps --trace-warnings dist/server.js",'));
    writeFileSync(join(dir, '.gitattributes'), '* filter=evil diff=evil\n');
    expect(s.git(dir, ['init', '-q']).code).toBe(0);
    expect(s.git(dir, ['add', '-A']).code).toBe(0);
    expect(s.git(dir, ['commit', '-q', '-m', 'app']).code).toBe(0);
    // Arm the repository (as a cloned one could be): fsmonitor, and the filter its .gitattributes names.
    const bin = join(s.home, 'payloads');
    mkdirSync(bin);
    const config = (key: string, value: string) => expect(s.git(dir, ['config', key, value]).code).toBe(0);
    config('core.fsmonitor', payloadScript(join(bin, 'fsmonitor'), s.canary, 'repo-fsmonitor', 1));
    config('filter.evil.clean', payloadScript(join(bin, 'clean'), s.canary, 'repo-filter-clean'));
    config('filter.evil.process', payloadScript(join(bin, 'process'), s.canary, 'repo-filter-process'));
    config('filter.evil.required', 'true');
    config('diff.evil.textconv', payloadScript(join(bin, 'textconv'), s.canary, 'repo-textconv'));
    // Every file looks touched, so git must re-read (and filter) them to know they are unchanged.
    const later = new Date(Date.now() + 5_000);
    for (const path of snapshot(dir).keys()) utimesSync(join(dir, path), later, later);

    const status = await cli('platform', ['status'], { cwd: dir, env: s.env });
    expect(status.code, out(status)).toBe(0);
    const upgrade = await cli('platform', ['upgrade', '--yes'], { cwd: dir, env: s.env });
    expect(upgrade.code, out(upgrade)).toBe(3);
    expect(upgrade.stdout).toMatch(/conflict\s+package\.json/);
    expect(s.fired(), out(upgrade)).toEqual([]);
    // The conflict is recorded in the index (stages 1-3), as git would.
    const unmerged = s.git(dir, ['-c', 'core.fsmonitor=false', 'ls-files', '-u', '--', 'package.json']).stdout;
    expect(unmerged.trim().split('\n')).toHaveLength(3);

    // Control: the user's own git in this repository runs the payloads.
    s.git(dir, ['status', '--porcelain']);
    s.git(dir, ['hash-object', 'README.md']);
    expect(s.fired()).toEqual(expect.arrayContaining(['repo-fsmonitor']));
    expect(s.fired().some((f) => f.startsWith('repo-filter-'))).toBe(true);
  });

  it('platform merge-file inside that kind of repository, with a hostile global config', async () => {
    const s = scratch('procs-merge-file-');
    writeFileSync(s.env.GIT_CONFIG_GLOBAL, readFileSync(s.env.GIT_CONFIG_GLOBAL, 'utf8') + hostileGlobalConfig(s.home, s.canary));
    const dir = join(s.home, 'repo');
    mkdirSync(dir);
    expect(s.git(dir, ['-c', 'core.fsmonitor=false', 'init', '-q']).code).toBe(0);
    writeFileSync(join(dir, '.gitattributes'), '* filter=evil diff=evil merge=evil\n');
    expect(s.git(dir, ['config', 'merge.evil.driver', `sh -c 'echo merge-driver >> "${s.canary}"'`]).code).toBe(0);
    writeFileSync(join(dir, 'base.txt'), 'a\nb\nc\n');
    writeFileSync(join(dir, 'ours.txt'), 'A\nb\nc\n');
    writeFileSync(join(dir, 'theirs.txt'), 'a\nb\nC\n');
    const before = snapshot(s.home);
    const r = await cli('platform', ['merge-file', '-p', 'ours.txt', 'base.txt', 'theirs.txt'], { cwd: dir, env: s.env });
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toBe('A\nb\nC\n');
    expect(s.fired()).toEqual([]);
    // The one file a successful run may add is the CLI's own code cache (~/.cache/platform/v8).
    const after = snapshot(s.home);
    for (const path of [...after.keys()]) if (path.startsWith('.cache/platform/v8/')) after.delete(path);
    expect(after).toEqual(before);
  });
});

// ---------------------------------------------------------------- the install

const MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;

/** Fake npm, pnpm, yarn and bun first on PATH; each records "<name> <cwd> <args>" in the log. */
function fakeManagers(home: string): { path: string; log: string; calls: () => string[] } {
  const bin = join(home, 'fake-bin');
  mkdirSync(bin);
  const log = join(home, 'pm-calls.log');
  for (const name of MANAGERS) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $PWD $*" >> '${log}'\nexit 0\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return { path: `${bin}${delimiter}${process.env.PATH ?? ''}`, log, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

/** A folder template whose package.json and package-manager config files would run code on install. */
function installingTemplate(home: string, canary: string): string {
  const dir = join(home, 'tpl');
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), 'name: installs\nversion: 1.0.0\nquestions:\n  - { name: name, type: string, default: svc }\n');
  writeFileSync(join(dir, 'files', 'package.json.hbs'), `{ "name": "{{name}}", "scripts": { "preinstall": "touch '${canary}'", "postinstall": "touch '${canary}'" } }\n`);
  writeFileSync(join(dir, 'files', '.npmrc'), `node-options=--require ${canary}.js\nignore-scripts=false\n`);
  writeFileSync(join(dir, 'files', '.yarnrc.yml'), `yarnPath: ${canary}.cjs\nplugins:\n  - ${canary}-plugin.cjs\n`);
  writeFileSync(join(dir, 'files', 'bunfig.toml'), `preload = ["${canary}.ts"]\n`);
  return dir;
}

interface JsonDoc { ok: boolean; exitCode: number; errors: Array<{ code: string; message: string; hint?: string }>; steps: Array<{ name: string; status: string; detail?: string }> }

describe('the dependency install runs only for trusted templates', () => {
  for (const pm of MANAGERS) {
    it(`${pm}: not launched for an untrusted template (exit 4, files written, install skipped: untrusted); launched with --trust`, async () => {
      const s = scratch(`procs-install-${pm}-`);
      const fake = fakeManagers(s.home);
      const template = installingTemplate(s.home, s.canary);
      const env = { ...s.env, PATH: fake.path, npm_config_user_agent: `${pm}/9.0.0 npm/? node/v20.0.0 linux x64` };

      const target = join(s.home, 'svc');
      const r = await cli('create-service', [target, '--template', template, '--yes', '--no-git', '--json'], { cwd: s.home, env });
      expect(r.code, out(r)).toBe(4);
      expect(fake.calls()).toEqual([]);
      expect(existsSync(s.canary)).toBe(false);
      expect(existsSync(join(target, 'package.json'))).toBe(true);
      expect(existsSync(join(target, '.npmrc'))).toBe(true);
      const doc = JSON.parse(r.stdout) as JsonDoc;
      expect(doc).toMatchObject({ ok: false, exitCode: 4 });
      expect(doc.steps).toContainEqual({ name: 'install', status: 'skipped', detail: 'untrusted' });
      expect(doc.errors[0]!.code).toBe('untrusted-install');
      expect(doc.errors[0]!.message).toContain(`${pm} install`);
      expect(doc.errors[0]!.hint).toMatch(/--trust/);
      expect(doc.errors[0]!.hint).toMatch(/trust: list/);
      expect(doc.errors[0]!.hint).toContain(`\`${pm} install\` yourself`);

      const trusted = join(s.home, 'svc-trusted');
      const t = await cli('create-service', [trusted, '--template', template, '--yes', '--no-git', '--trust'], { cwd: s.home, env });
      expect(t.code, out(t)).toBe(0);
      expect(fake.calls()).toHaveLength(1);
      expect(fake.calls()[0]).toMatch(new RegExp(`^${pm} ${trusted} install\\b`));
    });
  }

  it('a trust list entry for the template allows the install', async () => {
    const s = scratch('procs-install-list-');
    const fake = fakeManagers(s.home);
    const template = installingTemplate(s.home, s.canary);
    writeFileSync(s.env.PLATFORM_CONFIG, `trust:\n  - dir:${template}\n`);
    const target = join(s.home, 'svc');
    const r = await cli('create-service', [target, '--template', template, '--yes', '--no-git'], { cwd: s.home, env: { ...s.env, PATH: fake.path } });
    expect(r.code, out(r)).toBe(0);
    expect(fake.calls()).toEqual([`npm ${target} install --no-audit --no-fund`]);
  });

  it('--no-install: an untrusted template is written and nothing is refused', async () => {
    const s = scratch('procs-install-none-');
    const fake = fakeManagers(s.home);
    const template = installingTemplate(s.home, s.canary);
    const r = await cli('create-service', [join(s.home, 'svc'), '--template', template, '--yes', '--no-git', '--no-install'], { cwd: s.home, env: { ...s.env, PATH: fake.path } });
    expect(r.code, out(r)).toBe(0);
    expect(fake.calls()).toEqual([]);
  });

  it.each([
    ['', 4, 0],
    ['y', 0, 1],
  ] as const)('on a terminal the trust question lists the install (answer %j -> exit %i, %i launch)', async (answer, code, launches) => {
    const s = scratch('procs-install-pty-');
    const fake = fakeManagers(s.home);
    const template = installingTemplate(s.home, s.canary);
    const target = join(s.home, 'svc');
    const session = await ptySession('create-service', [target, '--template', template, '--no-git'], { cwd: s.home, env: { ...s.env, PATH: fake.path } });
    await session.waitFor('?');
    session.write(keys.enter);
    await session.waitFor('npm install');
    await session.waitFor('Run these commands?');
    if (answer) session.write(answer);
    session.write(keys.enter);
    expect((await session.exit()).code, session.output()).toBe(code);
    expect(fake.calls()).toHaveLength(launches);
    expect(existsSync(join(target, 'package.json'))).toBe(true);
  });
});

// ---------------------------------------------------------------- git failures

describe('a failing git step is an error (exit 1), never a silent success', () => {
  it('git not installed (not on PATH): exit 1, says so, the files are written', async () => {
    const s = scratch('procs-no-git-');
    const empty = join(s.home, 'empty-bin');
    mkdirSync(empty);
    const target = join(s.home, 'svc');
    const r = await cli('create-service', [target, '--yes', '--no-install', '--json'], { cwd: s.home, env: { ...s.env, PATH: empty } });
    expect(r.code, out(r)).toBe(1);
    const doc = JSON.parse(r.stdout) as JsonDoc;
    expect(doc.errors[0]!.code).toBe('git-failed');
    expect(doc.errors[0]!.message).toMatch(/git is not installed/);
    expect(doc.errors[0]!.hint).toMatch(/--no-git/);
    expect(doc.steps).toContainEqual(expect.objectContaining({ name: 'git', status: 'failed' }));
    expect(r.stderr).not.toMatch(/unexpected error|this is a bug/i);
    expect(existsSync(join(target, 'package.json'))).toBe(true);
  });

  it('git init fails (a full disk): exit 1 with git\'s message and a hint', async () => {
    const s = scratch('procs-git-full-');
    const bin = join(s.home, 'bin');
    mkdirSync(bin);
    // Real git, except that init fails as it does on a full disk.
    writeFileSync(join(bin, 'git'), `#!/bin/sh\nfor a in "$@"; do [ "$a" = init ] && { echo "fatal: could not write config file .git/config: No space left on device" >&2; exit 128; }; done\nexec '${REAL_GIT}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const target = join(s.home, 'svc');
    const r = await cli('create-service', [target, '--yes', '--no-install'], { cwd: s.home, env: { ...s.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` } });
    expect(r.code, out(r)).toBe(1);
    expect(r.stderr).toMatch(/git init failed/);
    expect(r.stderr).toContain('No space left on device');
    expect(r.stderr).toMatch(/hint:.*git init/);
    expect(existsSync(join(target, 'package.json'))).toBe(true);
  });
});
