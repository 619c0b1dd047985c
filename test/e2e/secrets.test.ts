/**
 * Issue 11, class 7, end to end: a secret answer given out of argv (PLATFORM_ANSWER_x) reaches
 * only the file declared for it (policy: secret). It is never in .platform.yaml (nor a hash of
 * its file), never committed by the CLI, never printed by diff, status, upgrade --dry-run or
 * --json, never seen by a hook, never overwritten by an upgrade. A template that renders it
 * anywhere else is refused at load and by `platform template lint`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, tempDir, type CliResult } from './harness.js';

const SECRET = 'Zq8v-s3cr3t-e2e-41977';
const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

const MANIFEST = (version: string, extra = '') => `name: vault
version: ${version}
questions:
  - { name: name, type: string, default: app }
  - { name: dbPassword, type: string, secret: true, default: changeme }
files:
  - { glob: .env, policy: secret }
${extra}`;

function writeTemplate(dir: string, manifest: string, files: Record<string, string>): void {
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), manifest);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, 'files', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'files', path), text);
  }
}

/** A private global git config with an identity, so the create makes a first commit. */
function gitEnv(home: string): Record<string, string> {
  const file = join(home, 'gitconfig');
  writeFileSync(file, '[user]\n\tname = E2E\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n');
  return { GIT_CONFIG_GLOBAL: file, GIT_CONFIG_NOSYSTEM: '1' };
}

function git(cwd: string, env: Record<string, string>, args: string[]): string {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const noSecretIn = (r: CliResult): void => {
  expect(r.stdout).not.toContain(SECRET);
  expect(r.stderr).not.toContain(SECRET);
};

describe('a secret answer stays in its secret file', () => {
  it('create from the environment, then diff, status, upgrade --dry-run --json and upgrade never show, commit or overwrite it', async () => {
    const home = tempDir('secrets-');
    const env = gitEnv(home);
    const versions = join(home, 'versions');
    // A hook (trusted with --trust) records the environment it was given: no secret may be in it.
    const hook = 'hooks:\n  - run: [node, -e, "require(\'fs\').writeFileSync(\'hook-env.json\', JSON.stringify(process.env))"]\n    description: record env\n    on: [create]\n';
    writeTemplate(join(versions, '1.0.0'), MANIFEST('1.0.0', hook), { '.env.hbs': 'DB_PASSWORD={{dbPassword}}\n', 'README.md.hbs': '# {{name}}\n' });

    const created = await cli('create-service', ['svc', '--template', versions, '--yes', '--no-install', '--trust', '--json'], {
      cwd: home,
      env: { ...env, PLATFORM_ANSWER_dbPassword: SECRET },
    });
    expect(created.code, out(created)).toBe(0);
    noSecretIn(created);
    expect((JSON.parse(created.stdout) as { warnings: string[] }).warnings.join('\n')).toContain('Not committed, because they hold secret answers: .env');
    const svc = join(home, 'svc');
    expect(readFileSync(join(svc, '.env'), 'utf8')).toBe(`DB_PASSWORD=${SECRET}\n`);
    expect(readFileSync(join(svc, 'hook-env.json'), 'utf8')).not.toContain(SECRET);

    const lockText = readFileSync(join(svc, '.platform.yaml'), 'utf8');
    expect(lockText).not.toContain(SECRET);
    const lock = parse(lockText) as { templates: Array<{ answers: Record<string, unknown>; files: Record<string, unknown> }> };
    expect(lock.templates[0]!.files['.env']).toEqual({ policy: 'secret' });
    expect(lock.templates[0]!.answers).toEqual({ name: 'app' });

    // Committed: everything but the secret file, which stays untracked for the team to ignore.
    expect(git(svc, env, ['log', '--oneline']).trim().split('\n')).toHaveLength(1);
    expect(git(svc, env, ['log', '-p', '--all'])).not.toContain(SECRET);
    expect(git(svc, env, ['ls-files']).split('\n')).not.toContain('.env');
    expect(git(svc, env, ['ls-files']).split('\n')).toContain('README.md');
    expect(git(svc, env, ['status', '--porcelain'])).toContain('?? .env');

    // A local change to the secret file is still not shown.
    writeFileSync(join(svc, '.env'), `DB_PASSWORD=${SECRET}\nEXTRA=1\n`);
    const diff = await cli('platform', ['diff'], { cwd: svc, env });
    expect(diff.code, out(diff)).toBe(0);
    noSecretIn(diff);
    expect(diff.stdout).toContain('.env: secret file, not shown');
    const status = await cli('platform', ['status', '--json'], { cwd: svc, env });
    noSecretIn(status);

    // v1.1.0 changes the secret file and the README; the upgrade knows only the default secret.
    writeTemplate(join(versions, '1.1.0'), MANIFEST('1.1.0'), { '.env.hbs': 'DB_PASSWORD={{dbPassword}}\nPOOL=5\n', 'README.md.hbs': '# {{name}}\n\nv1.1\n' });
    const dry = await cli('platform', ['upgrade', '--yes', '--dry-run', '--json'], { cwd: svc, env });
    expect(dry.code, out(dry)).toBe(0);
    noSecretIn(dry);
    expect(dry.stdout).not.toContain('changeme');
    const files = (JSON.parse(dry.stdout) as { files: Array<{ path: string; action: string; reason: string }> }).files;
    expect(files.find((f) => f.path === '.env')).toEqual({ path: '.env', action: 'keep', policy: 'secret', reason: 'secret: yours' });

    const upgraded = await cli('platform', ['upgrade', '--yes', '--allow-dirty'], { cwd: svc, env });
    expect(upgraded.code, out(upgraded)).toBe(0);
    noSecretIn(upgraded);
    expect(readFileSync(join(svc, '.env'), 'utf8')).toBe(`DB_PASSWORD=${SECRET}\nEXTRA=1\n`);
    expect(readFileSync(join(svc, 'README.md'), 'utf8')).toBe('# app\n\nv1.1\n');
    expect(readFileSync(join(svc, '.platform.yaml'), 'utf8')).not.toContain(SECRET);
    expect(readdirSync(home).sort()).toEqual(['gitconfig', 'svc', 'versions']);
  });

  it('an invalid secret from the environment is refused without echoing it, in text and --json', async () => {
    const home = tempDir('secrets-');
    const dir = join(home, 'tpl');
    writeTemplate(dir, MANIFEST('1.0.0').replace('secret: true, default: changeme', 'secret: true, pattern: "^pw_"'), { '.env.hbs': 'DB_PASSWORD={{dbPassword}}\n' });
    for (const args of [[], ['--json']]) {
      const r = await cli('create-service', ['svc', '--template', dir, '--yes', '--no-install', '--no-git', ...args], { cwd: home, env: { PLATFORM_ANSWER_dbPassword: SECRET } });
      expect(r.code, out(r)).toBe(2);
      noSecretIn(r);
      expect(`${r.stdout}${r.stderr}`).toContain('environment variable PLATFORM_ANSWER_dbPassword');
    }
    expect(existsSync(join(home, 'svc'))).toBe(false);
  });

  it('a template rendering the secret into README.md is refused at load (exit 2, file:line) and by template lint', async () => {
    const home = tempDir('secrets-');
    const dir = join(home, 'leaky');
    writeTemplate(dir, MANIFEST('1.0.0').replace('name: vault', 'name: leaky'), { '.env.hbs': 'DB_PASSWORD={{dbPassword}}\n', 'README.md.hbs': '# {{name}}\npassword: {{dbPassword}}\n' });
    const r = await cli('create-service', ['svc', '--template', dir, '--yes', '--no-install', '--no-git'], { cwd: home, env: { PLATFORM_ANSWER_dbPassword: SECRET } });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('files/README.md.hbs:2');
    expect(r.stderr).toContain('"dbPassword"');
    noSecretIn(r);
    expect(readdirSync(home)).toEqual(['leaky']);

    const lint = await cli('platform', ['template', 'lint', dir], { cwd: home });
    expect(lint.code, out(lint)).toBe(2);
    expect(`${lint.stdout}${lint.stderr}`).toMatch(/files\/README\.md\.hbs:2/);
    expect(`${lint.stdout}${lint.stderr}`).toContain('secret-rendered');
  });
});
