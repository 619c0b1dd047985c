/**
 * `platform template test DIR --against …`: the cost of a release before it ships, from a dry run
 * of the upgrade in each downstream repository (run in-process on memfs). Per repository: a clean
 * merge, a conflict and why, the answers new questions take; hostile entries (a path outside the
 * list's folder, a link, a broken lockfile, a FIFO list) are reported, never a crash, never a write.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFs } from '../../src/core/node-fs.js';
import { memoryFs } from '../helpers/memfs.js';
import { runInProcess } from '../helpers/in-process.js';

const MANIFEST = (version: string, extra = ''): string => `name: thing\nversion: ${version}\nquestions:\n  - { name: name, type: string, default: svc }\n${extra}`;
const V1 = { 'README.md.hbs': '# {{name}}\n', 'notes.txt': 'one\ntwo\nthree\n' };
const V2 = { 'README.md.hbs': '# {{name}}\n\nv2\n', 'notes.txt': 'one\ntwo\nthree (v2)\n', 'new.txt': 'new\n' };

function templateFiles(version: string, files: Record<string, string>, manifest = MANIFEST(version)): Record<string, string> {
  const out: Record<string, string> = { [`/tpl/${version}/template.yaml`]: manifest };
  for (const [path, text] of Object.entries(files)) out[`/tpl/${version}/files/${path}`] = text;
  return out;
}

interface Report {
  template: string;
  version: string;
  repositories: Array<{ repository: string; status: string; from: string | null; conflicts: Array<{ path: string; reason: string }>; newQuestions: Array<{ key: string; value: unknown }>; files: Record<string, number>; error: { message: string } | null }>;
  totals: Record<string, number>;
  newQuestions: Array<{ key: string; default: unknown }>;
}

/** Repositories created at 1.0.0 through the real pipeline, then version 2.0.0 of the template opened. */
async function fleet() {
  const { fs, vol } = memoryFs({ ...templateFiles('1.0.0', V1), '/repos/.keep': '' });
  for (const name of ['a', 'b', 'c']) {
    const created = await runInProcess(fs, [name, '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/repos', bin: 'create-service' });
    expect(created.code, created.stderr).toBe(0);
  }
  for (const [path, text] of Object.entries(templateFiles('2.0.0', V2, MANIFEST('2.0.0', '  - { name: region, type: string, default: eu-west-1 }\n')))) {
    vol.mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
    vol.writeFileSync(path, text);
  }
  vol.writeFileSync('/repos/b/notes.txt', 'one\ntwo\nthree (mine)\n');
  vol.writeFileSync('/repos/c/.platform.yaml', 'templates: [\n');
  vol.mkdirSync('/repos/plain');
  vol.symlinkSync('/repos/a', '/repos/link');
  vol.writeFileSync('/repos/list.txt', '# the fleet\na\nb\n\nc\nplain\nlink\n../tpl\n/etc\nmissing\n');
  return { fs, vol };
}

describe('release impact (template test --against)', () => {
  it('reports per repository and in total, in JSON, and writes nothing', async () => {
    const { fs, vol } = await fleet();
    const before = JSON.stringify(vol.toJSON());
    const result = await runInProcess(fs, ['template', 'test', '/tpl/2.0.0', '--against', '@list.txt', '--json'], { cwd: '/repos' });
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toBe('');
    expect(JSON.stringify(vol.toJSON())).toBe(before);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ template: 'thing', version: '2.0.0' });
    const by = new Map(report.repositories.map((r) => [r.repository, r]));
    expect(by.get('a')).toMatchObject({ status: 'clean', from: '1.0.0', conflicts: [], files: { create: 1, update: 2 } });
    expect(by.get('a')!.newQuestions).toEqual([{ key: 'region', value: 'eu-west-1' }]);
    expect(by.get('b')).toMatchObject({ status: 'conflicts', conflicts: [{ path: 'notes.txt' }] });
    expect(by.get('b')!.conflicts[0]!.reason).toBeTruthy();
    expect(by.get('c')!.status).toBe('failed');
    expect(by.get('c')!.error!.message).toContain('.platform.yaml');
    expect(by.get('plain')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('No .platform.yaml') } });
    expect(by.get('link')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('symbolic link') } });
    for (const outside of ['../tpl', '/etc']) expect(by.get(outside)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('outside') } });
    expect(by.get('missing')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('does not exist') } });
    expect(report.totals).toMatchObject({ repositories: 8, clean: 1, conflicts: 1, failed: 6, conflictedFiles: 1 });
    expect(report.newQuestions).toEqual([{ key: 'region', default: 'eu-west-1' }]);
  });

  it('agrees with the upgrade itself: the repository it calls clean upgrades with exit 0, the conflicted one with exit 3', async () => {
    const { fs } = await fleet();
    const clean = await runInProcess(fs, ['upgrade', '--yes', '--dry-run'], { cwd: '/repos/a' });
    expect(clean.code, clean.stderr).toBe(0);
    const conflicted = await runInProcess(fs, ['upgrade', '--yes', '--dry-run'], { cwd: '/repos/b' });
    expect(conflicted.code, conflicted.stderr).toBe(3);
  });

  it('prints a Markdown summary for a pull request, and a human one', async () => {
    const { fs } = await fleet();
    const md = await runInProcess(fs, ['template', 'test', '/tpl', '--against', 'a', 'b', '--markdown'], { cwd: '/repos' });
    expect(md.code).toBe(6);
    expect(md.stdout).toContain('### Release impact of `thing@2.0.0`');
    expect(md.stdout).toContain('| a | 1.0.0 | clean |');
    expect(md.stdout).toMatch(/- `b`: `notes.txt` — /);
    expect(md.stdout).toContain('`region` (default `"eu-west-1"`)');
    const human = await runInProcess(fs, ['template', 'test', '/tpl/2.0.0', '--against', 'a'], { cwd: '/repos' });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('a 1.0.0 → 2.0.0: clean');
  });

  it('an up-to-date repository and one without the template are neither failures nor conflicts', async () => {
    const { fs } = await fleet();
    const result = await runInProcess(fs, ['template', 'test', '/tpl/1.0.0', '--against', 'a', '--json'], { cwd: '/repos' });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Report).repositories[0]!.status).toBe('up-to-date');
  });

  it('a repository whose lockfile is a link out of it is reported, not followed', async () => {
    const { fs, vol } = await fleet();
    vol.writeFileSync('/secret.yaml', 'schemaVersion: 1\ntemplates: []\n');
    vol.rmSync('/repos/a/.platform.yaml');
    vol.symlinkSync('/secret.yaml', '/repos/a/.platform.yaml');
    const result = await runInProcess(fs, ['template', 'test', '/tpl/2.0.0', '--against', 'a', '--json'], { cwd: '/repos' });
    expect(result.code, result.stderr).toBe(6);
    const repo = (JSON.parse(result.stdout) as Report).repositories[0]!;
    expect(repo.status).toBe('failed');
    expect(repo.error!.message).toMatch(/link/i);
  });

  it('a list file that is a FIFO is refused before it is opened (exit 2)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'impact-'));
    try {
      execFileSync('mkfifo', [join(root, 'list')]);
      writeFileSync(join(root, 'template.yaml'), MANIFEST('1.0.0'));
      const result = await runInProcess(nodeFs, ['template', 'test', root, '--against', '@list'], { cwd: root });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('FIFO');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
