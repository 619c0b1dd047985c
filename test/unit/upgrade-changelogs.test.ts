/**
 * An upgrade shows the changelog of every version it moves through. The target version is
 * loaded once per run (a load reads every file of the version): its entry comes from the
 * template already loaded, the versions between from their folders, newest first, exactly as
 * the catalog's own changelogs() gives them.
 */
import { describe, expect, it } from 'vitest';
import { memoryFs } from '../helpers/memfs.js';
import { runInProcess } from '../helpers/in-process.js';
import { Catalog } from '../../src/sources/catalog.js';

const MANIFEST = (version: string): string => `name: thing\nversion: ${version}\nquestions:\n  - { name: name, type: string, default: svc }\n`;

function version(v: string, changelog?: string): Record<string, string> {
  return {
    [`/tpl/${v}/template.yaml`]: MANIFEST(v),
    [`/tpl/${v}/files/notes.txt`]: `notes ${v}\n`,
    ...(changelog ? { [`/tpl/${v}/CHANGELOG.md`]: changelog } : {}),
  };
}

describe('the changelogs of an upgrade', () => {
  it('lists every version moved through, newest first, as the catalog reads them; a version without a changelog is left out', async () => {
    const { fs, vol } = memoryFs({ ...version('1.0.0', '## 1.0.0\n\nFirst.\n'), '/work/.keep': '' });
    const created = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service' });
    expect(created.code, created.stderr).toBe(0);
    const later = { ...version('1.1.0', '## 1.1.0\n\nA fix.\n'), ...version('1.2.0'), ...version('2.0.0', '## 2.0.0\n\nBreaking.\n\n- More notes.\n') };
    const files = { ...(vol.toJSON() as Record<string, string>), ...later };

    const json = await runInProcess(memoryFs(files).fs, ['upgrade', '--yes', '--json'], { cwd: '/work/svc' });
    expect(json.code, json.stderr).toBe(0);
    const shown = JSON.parse(json.stdout).changelogs.thing as Array<{ version: string; text: string }>;
    expect(shown.map((e) => e.version)).toEqual(['2.0.0', '1.1.0']);

    // The same entries the catalog reads, loading each version from its folder.
    const catalog = new Catalog({ fs: memoryFs(files).fs, env: {} });
    const source = JSON.parse(json.stdout).components[0].source as string;
    expect(shown).toEqual(await catalog.changelogs('thing', '1.0.0', '2.0.0', source));

    const text = await runInProcess(memoryFs(files).fs, ['upgrade', '--yes'], { cwd: '/work/svc' });
    expect(text.stdout).toContain('  2.0.0: Breaking.');
    expect(text.stdout).toContain('  1.1.0: A fix.');
  });

  it('each version once: a CHANGELOG.md holding the whole history gives its own entry only, in status and upgrade alike', async () => {
    const history = (versions: string[]) => `# thing template\n\n${versions.map((v) => `## ${v}\n\nNotes of ${v}.\n`).join('\n')}`;
    const { fs, vol } = memoryFs({ ...version('1.0.0', history(['1.0.0'])), '/work/.keep': '' });
    expect((await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service' })).code).toBe(0);
    const later = { ...version('1.1.0', history(['1.1.0', '1.0.0'])), ...version('1.2.0', history(['1.2.0', '1.1.0', '1.0.0'])) };
    const files = { ...(vol.toJSON() as Record<string, string>), ...later };

    const status = await runInProcess(memoryFs(files).fs, ['status'], { cwd: '/work/svc' });
    for (const v of ['1.2.0', '1.1.0']) expect(status.stdout.split(`Notes of ${v}.`), v).toHaveLength(2);
    expect(status.stdout).not.toContain('Notes of 1.0.0.');
    expect(status.stdout).not.toContain('# thing template');

    const json = JSON.parse((await runInProcess(memoryFs(files).fs, ['upgrade', '--yes', '--json'], { cwd: '/work/svc' })).stdout);
    expect(json.changelogs.thing).toEqual([
      { version: '1.2.0', text: '## 1.2.0\n\nNotes of 1.2.0.' },
      { version: '1.1.0', text: '## 1.1.0\n\nNotes of 1.1.0.' },
    ]);
  });
});
