/**
 * The `platform` bin: `new` is create-service, `templates`, and both bins' --help,
 * --version and command/flag suggestions.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './global-setup.js';
import { cli, tempDir, type Bin, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else files.set(relative(dir, abs), readFileSync(abs));
    }
  };
  walk(dir);
  return files;
}

const EXIT_CODES: Array<[number, RegExp]> = [
  [0, /success/i],
  [1, /error/i],
  [2, /usage|invalid/i],
  [3, /conflict/i],
  [5, /unsafe/i],
  [130, /cancel/i],
];

describe('platform new', () => {
  it('writes the same files and the same lockfile bytes as create-service with the same answers', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'a'));
    mkdirSync(join(cwd, 'b'));
    const args = ['x', '--yes', '--set', 'owner=team-x', '--set', 'port=9191', '--no-install', '--no-git'];
    const viaCreate = await cli('create-service', args, { cwd: join(cwd, 'a') });
    const viaPlatform = await cli('platform', ['new', ...args], { cwd: join(cwd, 'b') });
    expect(viaCreate.code, out(viaCreate)).toBe(0);
    expect(viaPlatform.code, out(viaPlatform)).toBe(0);
    const a = tree(join(cwd, 'a', 'x'));
    const b = tree(join(cwd, 'b', 'x'));
    expect(a.size).toBeGreaterThan(10);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [path, bytes] of a) expect(b.get(path)?.equals(bytes), path).toBe(true);
    expect(b.get('.platform.yaml')!.toString('utf8')).toContain('team-x');
  });

  it('platform new --json reports command "create"', async () => {
    const cwd = tempDir();
    const r = await cli('platform', ['new', 'x', '--yes', '--json', '--no-install', '--no-git'], { cwd });
    expect(r.code, out(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'create', ok: true, exitCode: 0 });
  });

  it('platform new without a terminal and without --yes exits 2 like create-service', async () => {
    const cwd = tempDir();
    const r = await cli('platform', ['new', 'x', '--template', 'service@1.0.0', '--no-install', '--no-git'], { cwd, stdin: 'pipe-open' });
    expect(r.timedOut, out(r)).toBe(false);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('--set port=');
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('platform templates', () => {
  it('lists service with its latest version and 1.0.0 among its versions', async () => {
    const cwd = tempDir();
    const r = await cli('platform', ['templates'], { cwd });
    expect(r.code, out(r)).toBe(0);
    const json = await cli('platform', ['templates', '--json'], { cwd });
    const latest = (JSON.parse(json.stdout) as { templates: Array<{ name: string; latest: string }> }).templates.find((t) => t.name === 'service')!.latest;
    expect(r.stdout).toMatch(new RegExp(`^service\\s+${latest.replaceAll('.', '\\.')}\\b`, 'm'));
    expect(r.stdout).toContain('1.0.0');
  });

  it('--json gives {templates:[{name, latest, versions}]}', async () => {
    const cwd = tempDir();
    const r = await cli('platform', ['templates', '--json'], { cwd });
    expect(r.code, out(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; templates: Array<{ name: string; latest: string; versions: string[] }> };
    expect(doc.ok).toBe(true);
    for (const t of doc.templates) expect(t).toMatchObject({ name: expect.any(String), latest: expect.any(String), versions: expect.any(Array) });
    const service = doc.templates.find((t) => t.name === 'service');
    expect(service).toMatchObject({ name: 'service', latest: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect(service!.versions).toContain('1.0.0');
    expect(service!.versions.at(-1)).toBe(service!.latest);
  });
});

describe('--help and --version', () => {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  for (const [bin, args] of [['create-service', ['--help']], ['platform', ['--help']], ['platform', ['new', '--help']]] as Array<[Bin, string[]]>) {
    it(`${bin} ${args.join(' ')} exits 0 and lists the exit codes`, async () => {
      const cwd = tempDir();
      const r = await cli(bin, args, { cwd });
      expect(r.code, out(r)).toBe(0);
      expect(r.stdout).toMatch(/^Usage: /m);
      expect(r.stdout).toMatch(/Exit codes:/);
      for (const [code, meaning] of EXIT_CODES) {
        const line = r.stdout.split('\n').find((l) => new RegExp(`^\\s*${code}\\s`).test(l));
        expect(line, `exit code ${code} in\n${r.stdout}`).toBeDefined();
        expect(line).toMatch(meaning);
      }
      if (bin === 'platform' && args.length === 1) {
        expect(r.stdout).toMatch(/^\s+new\b/m);
        expect(r.stdout).toMatch(/^\s+templates\b/m);
      } else {
        for (const flag of ['--template', '--yes', '--set', '--answers', '--dry-run', '--json', '--force', '--no-install', '--no-git']) expect(r.stdout).toContain(flag);
      }
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  for (const bin of ['create-service', 'platform'] as Bin[]) {
    for (const flag of ['--version', '-V']) {
      it(`${bin} ${flag} prints the package.json version`, async () => {
        const r = await cli(bin, [flag], { cwd: tempDir() });
        expect(r.code, out(r)).toBe(0);
        expect(r.stdout.trim()).toBe(version);
      });
    }
  }
});

describe('suggestions for mistyped commands and flags (exit 2)', () => {
  it('platform templtes suggests templates', async () => {
    const r = await cli('platform', ['templtes'], { cwd: tempDir() });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain("unknown command 'templtes'");
    expect(r.stderr).toMatch(/Did you mean templates\?/);
  });

  it('platform upgrad: unknown command, exit 2, suggests upgrade when that command exists', async () => {
    const cwd = tempDir();
    const help = await cli('platform', ['--help'], { cwd });
    const hasUpgrade = /^\s+upgrade\b/m.test(help.stdout);
    const r = await cli('platform', ['upgrad'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain("unknown command 'upgrad'");
    expect(r.stderr).toContain('platform --help');
    if (hasUpgrade) expect(r.stderr).toMatch(/Did you mean upgrade\?/);
  });

  it('platform new --yess suggests --yes', async () => {
    const cwd = tempDir();
    const r = await cli('platform', ['new', 'x', '--yess'], { cwd });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(/Did you mean --yes\?/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('platform templates --json with an unknown flag: one JSON document, exit 2', async () => {
    const r = await cli('platform', ['templates', '--json', '--jsn'], { cwd: tempDir() });
    expect(r.code, out(r)).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; errors: Array<{ message: string }> };
    expect(doc).toMatchObject({ ok: false, exitCode: 2 });
    expect(doc.errors[0]!.message).toContain('--jsn');
  });
});
