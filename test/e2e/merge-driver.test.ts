/**
 * `platform merge-file` and the git merge driver, as users run them: the packed CLI against
 * git's own merge-file and in a real repository with two branches.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, tempDir } from './harness.js';

function gitEnv(dir: string): Record<string, string> {
  const config = join(dir, 'gitconfig');
  writeFileSync(config, '[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n');
  return { GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1' };
}
function git(cwd: string, env: Record<string, string>, args: string[]) {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const WORKFLOW = `# CI for the service
name: CI
on:
  pull_request:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
      - run: npm test
`;
/** Two branches that edit the workflow at the same place: each appends something to the steps and a job. */
const BRANCH_A = WORKFLOW.replace('      - run: npm test\n', '      - run: npm test\n      - run: npm run lint\n');
const BRANCH_B = WORKFLOW.replace('      - run: npm test\n', '      - run: npm test\n      - run: npm run typecheck\n');

/** Both branches' workflows and their base, whose lines git's merge conflicts on; `framed`: git's output and status as the driver's shell line pipes them. */
function linesConflict() {
  const dir = tempDir('merge-file-');
  writeFileSync(join(dir, 'base.yaml'), WORKFLOW);
  writeFileSync(join(dir, 'current.yaml'), BRANCH_A);
  writeFileSync(join(dir, 'other.yaml'), BRANCH_B);
  const labels = ['-L', 'ours', '-L', 'base', '-L', 'theirs'];
  const files = ['current.yaml', 'base.yaml', 'other.yaml'];
  const git = spawnSync('git', ['merge-file', '-p', ...labels, ...files], { cwd: dir, encoding: 'utf8' });
  expect(git.status).toBe(1);
  return { dir, labels, files, framed: `${git.stdout}\n${git.status}\n` };
}

describe('platform merge-file', () => {
  it('matches git merge-file on text: output, labels and exit status', async () => {
    const dir = tempDir('merge-file-');
    writeFileSync(join(dir, 'base.txt'), 'one\ntwo\nthree\n');
    writeFileSync(join(dir, 'current.txt'), 'one\ntwo (current)\nthree\n');
    writeFileSync(join(dir, 'other.txt'), 'one\ntwo (other)\nthree\n');
    const args = ['-p', '-L', 'mine', '-L', 'base', '-L', 'theirs', 'current.txt', 'base.txt', 'other.txt'];
    const ours = await cli('platform', ['merge-file', ...args], { cwd: dir });
    const reference = spawnSync('git', ['merge-file', ...args], { cwd: dir, encoding: 'utf8' });
    expect(ours.stdout).toBe(reference.stdout);
    expect(ours.code).toBe(reference.status);
    expect(ours.code).toBe(1);
  });

  it('prints a large merge whole through a pipe (-p), with its warning, before it exits', async () => {
    const dir = tempDir('merge-file-');
    const keys = Array.from({ length: 100_000 }, (_, i) => `  key${i}: value${i}\n`).join('');
    writeFileSync(join(dir, 'base.yaml'), `root:\n${keys}`);
    writeFileSync(join(dir, 'current.yaml'), `top: 1\nroot:\n${keys}`);
    // A key git adds twice (cleanly): git's bytes, and a warning on stderr.
    writeFileSync(join(dir, 'other.yaml'), `root:\n${keys}top: 2\n`);
    const args = ['-p', 'current.yaml', 'base.yaml', 'other.yaml'];
    const reference = spawnSync('git', ['merge-file', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
    const ours = await cli('platform', ['merge-file', ...args], { cwd: dir });
    expect(ours.stdout.length).toBeGreaterThan(2_000_000);
    expect(ours.stdout === reference.stdout).toBe(true);
    expect(ours.code).toBe(1);
    expect(ours.stderr).toMatch(/^warning: current\.yaml: .*not valid YAML/);
  });

  it('writes the result into CURRENT without -p, and exits 0 on a clean merge', async () => {
    const dir = tempDir('merge-file-');
    writeFileSync(join(dir, 'base.yaml'), WORKFLOW);
    writeFileSync(join(dir, 'current.yaml'), BRANCH_A);
    writeFileSync(join(dir, 'other.yaml'), BRANCH_B);
    const gitResult = spawnSync('git', ['merge-file', '-p', 'current.yaml', 'base.yaml', 'other.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(gitResult.status, 'git merge-file conflicts on these adjacent edits').toBe(1);
    const result = await cli('platform', ['merge-file', 'current.yaml', 'base.yaml', 'other.yaml'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const merged = readFileSync(join(dir, 'current.yaml'), 'utf8');
    expect(merged).toContain('# CI for the service');
    expect((parse(merged) as { jobs: { test: { steps: Array<{ run?: string }> } } }).jobs.test.steps.map((s) => s.run).filter(Boolean)).toEqual([
      'npm ci',
      'npm test',
      'npm run lint',
      'npm run typecheck',
    ]);
  });

  it('takes the format from --format or --path when the file name has no extension', async () => {
    const dir = tempDir('merge-file-');
    writeFileSync(join(dir, 'b'), 'a: 1\nb: 2\n');
    writeFileSync(join(dir, 'c'), 'a: 1\nmine: 1\nb: 2\n');
    writeFileSync(join(dir, 'o'), 'a: 1\ntheirs: 1\nb: 2\n');
    expect((await cli('platform', ['merge-file', '-p', 'c', 'b', 'o'], { cwd: dir })).code).toBe(1);
    const byPath = await cli('platform', ['merge-file', '-p', '--path', 'config.yaml', 'c', 'b', 'o'], { cwd: dir });
    expect(byPath.code).toBe(0);
    expect(byPath.stdout).toBe('a: 1\nmine: 1\ntheirs: 1\nb: 2\n');
    expect((await cli('platform', ['merge-file', '-p', '--format', 'yaml', 'c', 'b', 'o'], { cwd: dir })).code).toBe(0);
  });

  it('--line-merge -: git\'s output and status piped in are the line merge; a stdin that is not (closed, garbage) only costs a warning', async () => {
    const { dir, labels, files, framed } = linesConflict();
    const expected = await cli('platform', ['merge-file', '-p', ...labels, ...files], { cwd: dir });
    expect(expected.code, expected.stderr).toBe(0);
    const piped = await cli('platform', ['merge-file', '-p', '--line-merge', '-', ...labels, ...files], { cwd: dir, stdin: framed });
    expect(piped).toMatchObject({ code: 0, stdout: expected.stdout, stderr: '' });
    // More than git could write (read no further than that), nothing, something else.
    for (const [stdin, why] of [[`${framed}`.repeat(2000), 'it could not be read, or is larger than'], ['closed', 'it does not end'], ['not git output', 'it does not end']] as const) {
      const fallback = await cli('platform', ['merge-file', '-p', '--line-merge', '-', ...labels, ...files], { cwd: dir, stdin });
      expect(fallback).toMatchObject({ code: 0, stdout: expected.stdout });
      expect(fallback.stderr).toMatch(/^warning: current\.yaml: the line merge on stdin \(--line-merge -\) is unusable: .*; running git merge-file here instead\n$/);
      expect(fallback.stderr).toContain(why);
    }
  });

  it('--line-merge - loads no node:child_process when git\'s merge is given (the driver\'s run does not wait for it)', async () => {
    const { dir, labels, files, framed } = linesConflict();
    // Preloaded: at exit, print which of Node's own modules were loaded.
    const probe = join(dir, 'probe.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`loaded: ${process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).join(',')}\\n`));\n");
    const run = (extra: string[], stdin?: string) => cli('platform', ['merge-file', '-p', ...extra, ...labels, ...files], { cwd: dir, stdin, env: { NODE_OPTIONS: `--require ${probe}` } });
    const given = await run(['--line-merge', '-'], framed);
    expect(given.code, given.stderr).toBe(0);
    expect(given.stderr).toMatch(/^loaded: .*NativeModule vm/);
    expect(given.stderr).not.toContain('NativeModule child_process');
    // The control: run directly, merge-file spawns git itself.
    expect((await run([])).stderr).toContain('NativeModule child_process');
  });

  it('exits 255 with a clear message on error, like git', async () => {
    const dir = tempDir('merge-file-');
    const result = await cli('platform', ['merge-file', 'missing', 'also-missing', 'nope'], { cwd: dir });
    expect(result.code).toBe(255);
    expect(result.stderr).toContain('Cannot read');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the git merge driver', () => {
  async function repoWithBranches(): Promise<{ dir: string; env: Record<string, string> }> {
    const dir = tempDir('merge-driver-');
    const env = gitEnv(dir);
    const repo = join(dir, 'repo');
    spawnSync('mkdir', [repo]);
    git(repo, env, ['init', '-q']);
    spawnSync('mkdir', ['-p', join(repo, '.github/workflows')]);
    writeFileSync(join(repo, '.github/workflows/ci.yml'), WORKFLOW);
    writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
    git(repo, env, ['add', '-A']);
    git(repo, env, ['commit', '-qm', 'base']);
    git(repo, env, ['checkout', '-qb', 'feature']);
    writeFileSync(join(repo, '.github/workflows/ci.yml'), BRANCH_B);
    writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {"b": {}}}\n');
    git(repo, env, ['commit', '-qam', 'typecheck']);
    git(repo, env, ['checkout', '-q', 'main']);
    writeFileSync(join(repo, '.github/workflows/ci.yml'), BRANCH_A);
    writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {"a": {}}}\n');
    git(repo, env, ['commit', '-qam', 'lint']);
    return { dir: repo, env };
  }

  it('merges a workflow edited at the same place on two branches, where plain git conflicts', async () => {
    const plain = await repoWithBranches();
    const conflicted = git(plain.dir, plain.env, ['merge', '--no-edit', 'feature']);
    expect(conflicted.code, 'plain git conflicts').not.toBe(0);
    expect(git(plain.dir, plain.env, ['diff', '--name-only', '--diff-filter=U']).stdout).toContain('.github/workflows/ci.yml');

    const { dir, env } = await repoWithBranches();
    const install = await cli('platform', ['merge-driver', 'install'], { cwd: dir, env });
    expect(install.code, install.stderr).toBe(0);
    expect(readFileSync(join(dir, '.gitattributes'), 'utf8')).toContain('*.yml merge=platform');
    // git's line merge runs in the driver's shell line, beside Node's start, and is piped in.
    expect(git(dir, env, ['config', 'merge.platform.driver']).stdout).toMatch(/^\{ git merge-file -p -L ours -L base -L theirs %A %O %B 2>\/dev\/null; status=\$\?; echo; echo \$status; \} \| .* merge-file --line-merge - /);
    git(dir, env, ['add', '.gitattributes']);
    git(dir, env, ['commit', '-qm', 'merge driver']);

    const merged = git(dir, env, ['merge', '--no-edit', 'feature']);
    const unmerged = git(dir, env, ['diff', '--name-only', '--diff-filter=U']).stdout;
    expect(unmerged).not.toContain('ci.yml');
    const workflow = readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8');
    expect(workflow).toContain('npm run lint');
    expect(workflow).toContain('npm run typecheck');
    expect(workflow).toContain('# CI for the service');
    // The lockfile is not merged: it stays ours and is marked, to be regenerated.
    expect(merged.code).not.toBe(0);
    expect(unmerged).toContain('package-lock.json');
    expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toContain('"a"');
  });

  it('uninstall removes the git config and exactly its .gitattributes block', async () => {
    const { dir, env } = await repoWithBranches();
    writeFileSync(join(dir, '.gitattributes'), '*.png binary\n');
    expect((await cli('platform', ['merge-driver', 'install'], { cwd: dir, env })).code).toBe(0);
    expect(git(dir, env, ['config', 'merge.platform.driver']).stdout).toContain('merge-file');
    expect((await cli('platform', ['merge-driver', 'uninstall'], { cwd: dir, env })).code).toBe(0);
    expect(git(dir, env, ['config', 'merge.platform.driver']).code).not.toBe(0);
    expect(readFileSync(join(dir, '.gitattributes'), 'utf8')).toBe('*.png binary\n');
  });
});
