/**
 * SECURITY.md, issue 11 classes 3, 6 and 9: hostile inputs (answers files that are not files,
 * unknown lockfile sources, backtracking patterns, reserved --set names, names too long) end in a
 * clear error with its exit code; nothing outside the scratch folder changes, nothing runs, and in
 * the scratch folder nothing is written.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult): string => `exit ${r.code}${r.timedOut ? ' (TIMED OUT)' : ''}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** Every entry under dir: type, and a hash of regular files' bytes (FIFOs and devices never read). */
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
      } else if (stat.isFile()) tree[key] = createHash('sha256').update(readFileSync(path)).digest('hex');
      else tree[key] = stat.isSymbolicLink() ? 'link' : 'special';
    }
  };
  walk(dir, '');
  return tree;
}

/** A scratch folder with a HOME of its own, so no user config or cache outside it is used. */
function scratch(prefix: string): { dir: string; env: Record<string, string> } {
  const dir = tempDir(prefix);
  const home = join(dir, 'home');
  mkdirSync(home);
  return { dir, env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'), npm_config_cache: join(home, '.npm') } };
}

const CREATE = ['svc', '--template', 'service@1.0.0', '--yes', '--no-install', '--no-git'];

describe('--answers that is not a readable regular file: exit 2 before anything is opened or written', () => {
  const cases: Array<[string, (dir: string) => string, RegExp]> = [
    ['a FIFO nobody writes', (dir) => (execFileSync('mkfifo', [join(dir, 'answers.fifo')]), 'answers.fifo'), /answers\.fifo is a FIFO \(named pipe\), not a regular file/],
    ['/dev/zero', () => '/dev/zero', /\/dev\/zero is a device, not a regular file/],
    ['a directory', (dir) => (mkdirSync(join(dir, 'answers.d')), 'answers.d'), /answers\.d is a directory, not a regular file/],
    ['a 2 MiB file', (dir) => (writeFileSync(join(dir, 'big.yaml'), `name: "${'x'.repeat(2 * 1024 * 1024)}"\n`), 'big.yaml'), /big\.yaml is too large \(\d+ bytes; at most 1048576 are read\)/],
    ['an empty name', () => '', /--answers was given an empty file name/],
    ['a symlink loop', (dir) => (execFileSync('ln', ['-s', 'loop.yaml', join(dir, 'loop.yaml')]), 'loop.yaml'), /loop\.yaml cannot be read \(ELOOP\)/],
  ];
  it.each(cases)('%s', async (_label, make, message) => {
    const { dir, env } = scratch('inputs-answers-');
    const answers = make(dir);
    const before = snapshot(dir);
    const r = await cli('create-service', [...CREATE, '--answers', answers], { cwd: dir, env, timeoutMs: 30_000 });
    expect(r.timedOut, out(r)).toBe(false);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/hint: /);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a user config that is a FIFO: exit 2, no hang, nothing written', async () => {
    const { dir, env } = scratch('inputs-config-');
    execFileSync('mkfifo', [join(dir, 'config.fifo')]);
    const before = snapshot(dir);
    const r = await cli('create-service', CREATE, { cwd: dir, env: { ...env, PLATFORM_CONFIG: join(dir, 'config.fifo') }, timeoutMs: 30_000 });
    expect(r.timedOut, out(r)).toBe(false);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/Config .*config\.fifo is a FIFO/);
    expect(snapshot(dir)).toEqual(before);
  });

  it.each(['template.yaml', 'CHANGELOG.md'])('a template folder whose %s is a FIFO: exit 2, no hang, nothing written', async (name) => {
    const { dir, env } = scratch('inputs-template-fifo-');
    const tpl = join(dir, 'tpl');
    mkdirSync(join(tpl, 'files'), { recursive: true });
    writeFileSync(join(tpl, 'files', 'README.md'), 'hello\n');
    if (name !== 'template.yaml') writeFileSync(join(tpl, 'template.yaml'), 'name: fifo\nversion: 1.0.0\n');
    execFileSync('mkfifo', [join(tpl, name)]);
    const before = snapshot(dir);
    const r = await cli('create-service', ['app', '--template', './tpl', '--yes', '--no-install', '--no-git'], { cwd: dir, env, timeoutMs: 30_000 });
    expect(r.timedOut, out(r)).toBe(false);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain(`${name} is a FIFO (named pipe), not a regular file`);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('a lockfile source of an unknown kind is an error with its line, never the built-in catalog', () => {
  const lock = (source: string): string =>
    `schemaVersion: 1\ntemplates:\n  - name: service\n    version: 1.0.0\n    source: ${JSON.stringify(source)}\n    answers: { name: svc, owner: team-a, port: 8080, withCi: false }\n    files: {}\n`;

  for (const command of [['status'], ['status', '--json'], ['upgrade'], ['upgrade', '--dry-run']]) {
    it.each([['https://evil.example/x'], ['ext::sh -c touch${IFS}CANARY']])(`platform ${command.join(' ')} with source %s: exit 2 at .platform.yaml:5, nothing ran or changed`, async (template) => {
      const { dir, env } = scratch('inputs-source-');
      const repo = join(dir, 'repo');
      mkdirSync(repo);
      const canary = join(dir, 'canary');
      writeFileSync(join(repo, '.platform.yaml'), lock(template.replace('CANARY', canary)));
      const before = snapshot(dir);
      const r = await cli('platform', command, { cwd: repo, env, timeoutMs: 60_000 });
      expect(r.code, out(r)).toBe(2);
      const text = r.stdout + r.stderr;
      expect(text).toMatch(/unknown source kind/);
      expect(text).toMatch(/expected builtin, dir:, git: or npm:/);
      expect(text).toMatch(/\.platform\.yaml(:5|", "line": 5|.*"line": 5)/s);
      expect(existsSync(canary)).toBe(false);
      expect(snapshot(dir)).toEqual(before);
    });
  }
});

describe('template patterns and answers', () => {
  function patternTemplate(dir: string, pattern: string): string {
    const template = join(dir, 'tpl');
    mkdirSync(join(template, 'files'), { recursive: true });
    writeFileSync(join(template, 'template.yaml'), `name: tpl\nversion: 1.0.0\nquestions:\n  - name: id\n    type: string\n    pattern: ${JSON.stringify(pattern)}\n`);
    writeFileSync(join(template, 'files', 'id.txt.hbs'), '{{id}}\n');
    return template;
  }

  it('^(a+)+$ against 50,000 "a" and a "!": refused (exit 2), no hang, nothing written', async () => {
    const { dir, env } = scratch('inputs-redos-');
    const template = patternTemplate(dir, '^(a+)+$');
    const before = snapshot(dir);
    const r = await cli('create-service', ['svc', '--template', template, '--yes', '--no-install', '--no-git', '--set', `id=${'a'.repeat(50_000)}!`], { cwd: dir, env, timeoutMs: 60_000 });
    expect(r.timedOut, out(r)).toBe(false);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('must be text matching /^(a+)+$/');
    expect(snapshot(dir)).toEqual(before);
  });

  it('a lookahead pattern: the template is refused at load with template.yaml:6', async () => {
    const { dir, env } = scratch('inputs-lookahead-');
    const template = patternTemplate(dir, '^(?=a)a+$');
    const before = snapshot(dir);
    const r = await cli('create-service', ['svc', '--template', template, '--yes', '--no-install', '--no-git', '--set', 'id=aa'], { cwd: dir, env });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/template\.yaml:6/);
    expect(r.stderr).toMatch(/lookahead, lookbehind and backreferences are not supported/);
    expect(snapshot(dir)).toEqual(before);
    const lint = await cli('platform', ['template', 'lint', template], { cwd: dir, env });
    expect(lint.code, out(lint)).not.toBe(0);
    expect(lint.stdout + lint.stderr).toMatch(/lookahead/);
  });

  it.each([['__proto__=x'], ['constructor=x']])('--set %s: refused with exit 2, nothing written', async (pair) => {
    const { dir, env } = scratch('inputs-proto-');
    const before = snapshot(dir);
    const r = await cli('create-service', [...CREATE, '--set', pair], { cwd: dir, env });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/is not a question name \(it is reserved/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('ordinary failures are ordinary errors', () => {
  it('a service name too long for the file system: exit 2 with a hint, not "a bug", nothing written', async () => {
    const { dir, env } = scratch('inputs-long-');
    const before = snapshot(dir);
    const r = await cli('create-service', ['a'.repeat(300), '--template', 'service@1.0.0', '--yes', '--no-install', '--no-git'], { cwd: dir, env });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/name is too long/);
    expect(r.stderr).toMatch(/hint: Choose a shorter name/);
    expect(r.stderr).not.toMatch(/bug/i);
    expect(snapshot(dir)).toEqual(before);
  });

  it('platform upgrade --to \'\': exit 2, the lockfile unchanged', async () => {
    const { dir, env } = scratch('inputs-to-');
    const created = await cli('create-service', CREATE, { cwd: dir, env });
    expect(created.code, out(created)).toBe(0);
    const before = snapshot(dir);
    const r = await cli('platform', ['upgrade', 'service', '--to', ''], { cwd: join(dir, 'svc'), env });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/--to was given an empty version/);
    expect(snapshot(dir)).toEqual(before);
  });
});
