/**
 * `platform template init | lint | test`, run from the packed CLI as a template repository's CI
 * would: a new template passes lint and test; a broken one fails lint with file:line (exit 2);
 * a changed file fails test with a diff (exit 6) until `--update` accepts it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, installedBins, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

describe('platform template', () => {
  it('init writes a template that passes lint and test right away', async () => {
    const cwd = tempDir();
    const init = await cli('platform', ['template', 'init', 'payments-worker'], { cwd });
    expect(init.code, out(init)).toBe(0);
    expect(existsSync(join(cwd, 'payments-worker', 'template.yaml'))).toBe(true);

    const lint = await cli('platform', ['template', 'lint', 'payments-worker'], { cwd });
    expect(lint.code, out(lint)).toBe(0);
    const test = await cli('platform', ['template', 'test', 'payments-worker'], { cwd });
    expect(test.code, out(test)).toBe(0);
    expect(existsSync(join(cwd, 'payments-worker', 'tests', '__snapshots__', 'example', '.github', 'workflows', 'hello.yml'))).toBe(true);
    // a second run compares with what the first recorded
    const again = await cli('platform', ['template', 'test', 'payments-worker', '--json'], { cwd });
    expect(again.code, out(again)).toBe(0);
    const document = JSON.parse(again.stdout) as { command: string; templates: Array<{ cases: Array<{ snapshot: string }> }> };
    expect(document.command).toBe('template test');
    expect(document.templates[0]!.cases.map((c) => c.snapshot)).toEqual(['matched', 'matched']);

    const refused = await cli('platform', ['template', 'init', 'payments-worker'], { cwd });
    expect(refused.code, out(refused)).toBe(2);
  });

  it('lint fails a broken template with file:line (exit 2), in text and in JSON', async () => {
    const cwd = tempDir();
    expect((await cli('platform', ['template', 'init', 'broken'], { cwd })).code).toBe(0);
    const workflow = join(cwd, 'broken', 'files', '.github', 'workflows', 'hello.yml.hbs');
    writeFileSync(workflow, readFileSync(workflow, 'utf8').replace('{{greeting}} from {{name}}', '{{greting}} from {{name}} at ${{ github.sha }}'));

    const lint = await cli('platform', ['template', 'lint', 'broken'], { cwd });
    expect(lint.code, out(lint)).toBe(2);
    const line = readFileSync(workflow, 'utf8').split('\n').findIndex((l) => l.includes('{{greting}}')) + 1;
    expect(lint.stdout).toContain(`broken/files/.github/workflows/hello.yml.hbs:${line}:`);
    expect(lint.stdout).toContain('"greting" is not a question');
    expect(lint.stdout).toContain('GitHub Actions expression');

    const json = await cli('platform', ['template', 'lint', 'broken', '--json'], { cwd });
    expect(json.code).toBe(2);
    const problems = (JSON.parse(json.stdout) as { problems: Array<{ severity: string; code: string; file: string; line: number }> }).problems;
    expect(problems.map((p) => `${p.severity} ${p.code} ${p.file}:${p.line}`).sort()).toEqual([
      `error github-actions-expression broken/files/.github/workflows/hello.yml.hbs:${line}`,
      `error undeclared-variable broken/files/.github/workflows/hello.yml.hbs:${line}`,
      `warning unused-question broken/template.yaml:${readFileSync(join(cwd, 'broken', 'template.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('name: greeting')) + 1}`,
    ]);
  });

  it('test fails a changed output with a diff (exit 6); --update accepts it', async () => {
    const cwd = tempDir();
    expect((await cli('platform', ['template', 'init', 'tpl'], { cwd })).code).toBe(0);
    expect((await cli('platform', ['template', 'test', 'tpl'], { cwd })).code).toBe(0);
    const extra = join(cwd, 'tpl', 'files', 'docs', 'about.md.hbs');
    mkdirSync(dirname(extra), { recursive: true });
    writeFileSync(extra, '# About {{name}}\n');
    const workflow = join(cwd, 'tpl', 'files', '.github', 'workflows', 'hello.yml.hbs');
    writeFileSync(workflow, readFileSync(workflow, 'utf8').replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-24.04'));

    const failed = await cli('platform', ['template', 'test', 'tpl'], { cwd });
    expect(failed.code, out(failed)).toBe(6);
    expect(failed.stdout).toContain('-    runs-on: ubuntu-latest');
    expect(failed.stdout).toContain('+    runs-on: ubuntu-24.04');
    expect(failed.stdout).toContain('+++ rendered/docs/about.md');
    expect(failed.stdout).toContain('+# About example');
    expect(failed.stdout).toContain('--update');

    const updated = await cli('platform', ['template', 'test', 'tpl', '--update'], { cwd });
    expect(updated.code, out(updated)).toBe(0);
    expect(readFileSync(join(cwd, 'tpl', 'tests', '__snapshots__', 'example', 'docs', 'about.md'), 'utf8')).toBe('# About payments-api\n');
    const after = await cli('platform', ['template', 'test', 'tpl'], { cwd });
    expect(after.code, out(after)).toBe(0);
  });

  it('the package ships the JSON Schemas of template.yaml and .platform.yaml', async () => {
    const { prefix } = await installedBins();
    for (const name of ['template.schema.json', 'lockfile.schema.json']) {
      const schema = JSON.parse(readFileSync(join(prefix, 'node_modules', 'create-service', 'templates', 'schemas', name), 'utf8')) as { $schema: string };
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    }
  });
});

describe('platform template lint on a released version', () => {
  it('refuses a version whose files changed after its release tag', async () => {
    const repo = tempDir('released-');
    const config = join(repo, 'gitconfig');
    writeFileSync(config, '[user]\n\tname = Test\n\temail = test@example.com\n');
    const env = { GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1' };
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, { cwd: repo, env: { ...process.env, ...env }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    };
    git('init', '-q');
    expect((await cli('platform', ['template', 'init', 'worker/1.0.0'], { cwd: repo })).code).toBe(0);
    git('add', '-A');
    git('commit', '-qm', 'worker 1.0.0');
    git('tag', 'worker-v1.0.0');
    const clean = await cli('platform', ['template', 'lint', 'worker/1.0.0'], { cwd: repo, env });
    expect(clean.code, out(clean)).toBe(0);

    const files = join(repo, 'worker', '1.0.0', 'files');
    writeFileSync(join(files, 'EXTRA.md'), 'added after the release\n');
    const changed = await cli('platform', ['template', 'lint', 'worker/1.0.0'], { cwd: repo, env });
    expect(changed.code, out(changed)).toBe(2);
    expect(changed.stdout + changed.stderr).toContain('was released (tag worker-v1.0.0)');
  });
});
