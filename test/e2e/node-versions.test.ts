/**
 * The packed CLI under the Node.js majors users run (22 and 24, from the npm
 * registry's `node` package; the default machine node is 20).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './global-setup.js';
import { cli, nodeBinary, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe.each([22, 24] as const)('under Node %i', (major) => {
  it('--version of both bins', async () => {
    const node = await nodeBinary(major);
    // guard: the binary the harness hands out really is that major
    expect(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
    for (const bin of ['create-service', 'platform'] as const) {
      const r = await cli(bin, ['--version'], { cwd: tempDir(), node });
      expect(r.code, out(r)).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  }, 300_000);

  it('platform templates --json', async () => {
    const node = await nodeBinary(major);
    const r = await cli('platform', ['templates', '--json'], { cwd: tempDir(), node });
    expect(r.code, out(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; templates: Array<{ name: string; latest: string; versions: string[] }> };
    expect(doc.ok).toBe(true);
    const service = doc.templates.find((t) => t.name === 'service');
    expect(service?.versions).toContain('1.0.0');
    expect(service?.latest).toBe(service?.versions.at(-1));
  }, 300_000);

  it('create-service x --yes --json --no-install --no-git', async () => {
    const node = await nodeBinary(major);
    const cwd = tempDir();
    const r = await cli('create-service', ['x', '--yes', '--json', '--no-install', '--no-git'], { cwd, node });
    expect(r.code, out(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; files: Array<{ path: string; action: string }> };
    expect(doc).toMatchObject({ ok: true, exitCode: 0 });
    expect(doc.files.map((f) => f.path)).toEqual(expect.arrayContaining(['package.json', 'src/server.ts', '.platform.yaml']));
    const lock = parseYaml(readFileSync(join(cwd, 'x', '.platform.yaml'), 'utf8')) as { templates: Array<{ name: string; answers: { name: string } }> };
    expect(lock.templates.find((t) => t.name === 'service')).toMatchObject({ name: 'service', answers: { name: 'x' } });
    expect(readFileSync(join(cwd, 'x', 'package.json'), 'utf8')).toContain('"name": "x"');
  }, 300_000);
});
