/**
 * A platform team sees the cost of a release before it ships: from a copy of the catalog with a
 * changed file in the version being released, `platform template test … --against @repos.txt`
 * (the packed CLI) reports a clean repository, a conflicted one with the file and why, and a
 * broken one, as Markdown for the pull request, and writes nothing into the repositories.
 */
import { cpSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
const CATALOG = fileURLToPath(new URL('../../templates/', import.meta.url));

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const name of readdirSync(join(dir, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else files[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return files;
}

describe('release impact', () => {
  it('template test NAME/VERSION --against @FILE --markdown: clean, conflicted and broken repositories, nothing written', async () => {
    const cwd = tempDir();
    cpSync(CATALOG, join(cwd, 'catalog'), { recursive: true });
    const readme = join(cwd, 'catalog', 'service', '1.3.0', 'files', 'README.md.hbs');
    writeFileSync(readme, readFileSync(readme, 'utf8').replace(/^.*$/m, '# {{name}} (on the golden path)'));
    mkdirSync(join(cwd, 'repos'));
    for (const name of ['clean', 'edited']) {
      const created = await cli('create-service', [name, '--template', 'service@1.2.0', '--yes', '--no-install', '--no-git'], { cwd: join(cwd, 'repos') });
      expect(created.code, out(created)).toBe(0);
    }
    const edited = join(cwd, 'repos', 'edited', 'README.md');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace(/^.*$/m, '# edited (ours)'));
    mkdirSync(join(cwd, 'repos', 'broken'));
    writeFileSync(join(cwd, 'repos', 'broken', '.platform.yaml'), 'schemaVersion: [\n');
    writeFileSync(join(cwd, 'repos', 'list.txt'), 'clean\nedited\nbroken\n../catalog\n');
    const before = snapshot(join(cwd, 'repos'));

    const report = await cli('platform', ['template', 'test', 'catalog/service/1.3.0', '--against', '@repos/list.txt', '--markdown'], { cwd });
    expect(report.code, out(report)).toBe(6);
    expect(report.stdout).toContain('### Release impact of `service@1.3.0`');
    expect(report.stdout).toContain('| clean | 1.2.0 | clean |');
    expect(report.stdout).toMatch(/- `edited`: `README\.md` — \S/);
    expect(report.stdout).toMatch(/\| broken \|  \| failed: /);
    expect(report.stdout).toMatch(/\| \.\.\/catalog \|  \| failed: .*outside/);
    expect(snapshot(join(cwd, 'repos'))).toEqual(before);

    const json = await cli('platform', ['template', 'test', 'catalog/service/1.3.0', '--against', 'repos/clean', '--json'], { cwd });
    expect(json.code, out(json)).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ totals: { repositories: 1, clean: 1 }, repositories: [{ status: 'clean', from: '1.2.0', to: '1.3.0' }] });
  });

  it('template lint reports a shared question that the catalog does not declare, with file and line', async () => {
    const cwd = tempDir();
    cpSync(CATALOG, join(cwd, 'catalog'), { recursive: true });
    const manifest = join(cwd, 'catalog', 'deploy', '1.2.0', 'template.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('- use: owner', '- use: ownr'));
    const lint = await cli('platform', ['template', 'lint', 'catalog/deploy/1.2.0'], { cwd });
    expect(lint.code, out(lint)).toBe(2);
    expect(lint.stdout).toMatch(/template\.yaml:\d+:\d+\s+error\s+.*"ownr" is not a shared question.*did you mean "owner"/);
  });
});
