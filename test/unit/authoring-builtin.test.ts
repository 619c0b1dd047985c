/**
 * Every built-in template (templates/NAME/VERSION) passes `platform template lint` without
 * errors and `platform template test` (rendered on a copy in memory, so no snapshot is written
 * into the repository), including the upgrade check from each previous version.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintTemplate } from '../../src/authoring/lint.js';
import { testTemplate } from '../../src/authoring/test-template.js';
import { nodeFs } from '../../src/core/node-fs.js';
import { BUILTIN_ROOT, listCatalog } from '../../src/template/builtin.js';
import { compareVersions } from '../../src/template/semver.js';
import { memoryFs } from '../helpers/memfs.js';

const catalog = await listCatalog(nodeFs, BUILTIN_ROOT);
const versions = catalog.flatMap((entry) => entry.versions.map((version) => [entry.name, version] as const));

/** The built-in catalog copied into memory at /catalog (executable bits kept). */
function catalogInMemory() {
  const files: Record<string, Uint8Array> = {};
  const executable: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(BUILTIN_ROOT, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        files[`/catalog/${path}`] = readFileSync(join(BUILTIN_ROOT, path));
        if (statSync(join(BUILTIN_ROOT, path)).mode & 0o111) executable.push(`/catalog/${path}`);
      }
    }
  };
  walk('');
  const memory = memoryFs(files);
  for (const path of executable) memory.vol.chmodSync(path, 0o755);
  return memory;
}

describe('built-in templates', () => {
  it('there are some', () => {
    expect(versions.length).toBeGreaterThan(0);
  });

  it.each(versions)('%s@%s passes lint without errors', async (name, version) => {
    const problems = await lintTemplate(nodeFs, posix.join(BUILTIN_ROOT, name, version));
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it.each(versions)('%s@%s passes test (snapshots, parsing, upgrade from the previous version)', async (name, version) => {
    const { fs } = catalogInMemory();
    const result = await testTemplate(fs, `/catalog/${name}/${version}`, { update: false });
    const failures = [
      ...result.cases.filter((c) => c.error || c.invalid.length > 0).map((c) => `${c.name}: ${c.error?.message ?? JSON.stringify(c.invalid)}`),
      ...result.upgrades.filter((u) => u.status !== 'equal').map((u) => `upgrade ${u.case}: ${u.status} ${u.reason ?? ''} ${u.conflicts.join(' ')} ${u.differences.map((d) => d.path).join(' ')}`),
    ];
    expect(failures).toEqual([]);
    expect(result.exitCode).toBe(0);
    const hasPrevious = catalog.find((e) => e.name === name)!.versions.some((v) => compareVersions(v, version) < 0);
    expect(result.upgrades.length).toBe(hasPrevious ? result.cases.length : 0);
  });
});
