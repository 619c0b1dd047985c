/**
 * Sources as a table: every lockfile source goes to the one driver of its kind (built-in, dir:,
 * git:, npm:), in canonical form; an unknown kind is an error, never the built-in catalog. The
 * source a template was loaded from travels on the template (no side channel).
 */
import { describe, expect, it } from 'vitest';
import type { Fs } from '../../src/core/fs.js';
import { Catalog } from '../../src/sources/catalog.js';
import { BuiltinDriver } from '../../src/sources/builtin-driver.js';
import { driverFor } from '../../src/sources/driver.js';
import { sourceLabel } from '../../src/cli/compose.js';
import type { Template } from '../../src/template/template.js';
import { memoryFs } from '../helpers/memfs.js';
import { thrownPlatformError } from '../helpers/in-process.js';

const manifest = (name: string, version: string): string => `name: ${name}\nversion: ${version}\ndescription: test\n`;

/** A built-in catalog at /catalog, one template folder and one folder of versions, on memfs; every path read is recorded. */
function setup(): { catalog: Catalog; reads: string[] } {
  const { fs } = memoryFs({
    '/catalog/svc/1.0.0/template.yaml': manifest('svc', '1.0.0'),
    '/catalog/svc/1.0.0/files/README.md': 'svc 1.0.0\n',
    '/catalog/svc/1.1.0/template.yaml': manifest('svc', '1.1.0'),
    '/catalog/svc/1.1.0/files/README.md': 'svc 1.1.0\n',
    '/tpl/one/template.yaml': manifest('one', '0.1.0'),
    '/tpl/one/files/README.md': 'one\n',
    '/tpl/many/1.0.0/template.yaml': manifest('many', '1.0.0'),
    '/tpl/many/1.0.0/files/README.md': 'many 1\n',
    '/tpl/many/2.0.0/template.yaml': manifest('many', '2.0.0'),
    '/tpl/many/2.0.0/files/README.md': 'many 2\n',
  });
  const reads: string[] = [];
  const watched = new Proxy(fs, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reads.push(String(args[0]));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Fs;
  // No git or npm is reached: their drivers are only looked up here, never asked.
  return { catalog: new Catalog({ fs: watched, env: {} }, { builtinRoot: '/catalog' }), reads };
}

describe('the source driver table', () => {
  it.each([
    ['builtin', 'builtin', 'builtin'],
    ['dir:/tpl/one', 'dir', 'dir:/tpl/one'],
    ['dir:/tpl/x/../one/', 'dir', 'dir:/tpl/one'],
    ['dir:/catalog', 'dir', 'dir:/catalog'],
    ['git:https://h/org/repo', 'git', 'git:https://h/org/repo'],
    ['git:HTTPS://user:pw@H:443/org/%72epo//a/./b', 'git', 'git:https://h/org/repo//a/b'],
    ['git:file:///srv/repo', 'git', 'git:file:///srv/repo'],
    ['npm:@acme/templates//service', 'npm', 'npm:@acme/templates//service'],
    ['npm:file:/a/../t.tgz', 'npm', 'npm:file:/t.tgz'],
  ])('%s goes to the %s driver as %s', (raw, kind, canonical) => {
    const { driver, source } = setup().catalog.driverFor(raw);
    expect(driver.kind).toBe(kind);
    expect(source).toBe(canonical);
  });

  it.each(['', 'Builtin', 'BUILTIN', ' builtin', 'built-in', 'svn:https://h/r', 'ftp://h/x', 'file:/tpl/one', 'https://h/org/repo', 'dir:tpl/one', 'dir:', 'git:ext::sh -c x', 'npm:-x'])(
    'refuses %j with a usage error, and reads nothing (not the built-in catalog)',
    async (raw) => {
      const { catalog, reads } = setup();
      expect(thrownPlatformError(() => catalog.driverFor(raw)).exitCode).toBe(2);
      await expect(catalog.load('svc', raw)).rejects.toMatchObject({ exitCode: 2 });
      await expect(catalog.versions('svc', raw)).rejects.toMatchObject({ exitCode: 2 });
      await expect(catalog.changelogs('svc', '1.0.0', '1.1.0', raw)).rejects.toMatchObject({ exitCode: 2 });
      expect(reads).toEqual([]);
    },
  );

  it('names the unknown kind and the kinds there are', () => {
    const error = thrownPlatformError(() => setup().catalog.driverFor('svn:https://h/r'));
    expect(error.code).toBe('source-unknown');
    expect(error.message).toContain('svn:https://h/r');
    expect(error.message).toContain('expected builtin, dir:, git: or npm:');
  });

  it('a table without the driver of a kind fails; it does not fall back to another driver', () => {
    const { fs } = memoryFs();
    const onlyBuiltin = [new BuiltinDriver(fs, async (t) => t, '/catalog')];
    expect(driverFor(onlyBuiltin, 'builtin').driver.kind).toBe('builtin');
    expect(() => driverFor(onlyBuiltin, 'dir:/tpl/one')).toThrow(/No source driver for kind "dir"/);
    expect(() => driverFor(onlyBuiltin, 'git:https://h/org/repo')).toThrow(/No source driver for kind "git"/);
  });
});

describe('drivers that read files', () => {
  it('built-in: versions of a template, the latest or a named one, recorded as builtin', async () => {
    const { catalog, reads } = setup();
    expect(await catalog.versions('svc')).toEqual(['1.0.0', '1.1.0']);
    expect(reads).toContain('/catalog');
    expect(await catalog.versions('nope')).toEqual([]);
    expect(await catalog.latest('svc', 'builtin')).toBe('1.1.0');
    const latest = await catalog.load('svc');
    expect(latest.manifest.version).toBe('1.1.0');
    expect(latest.source).toEqual({ kind: 'builtin' });
    expect(sourceLabel(latest)).toBe('builtin');
    expect((await catalog.load('svc@1.0.0', 'builtin')).manifest.version).toBe('1.0.0');
  });

  it('dir: one template folder: its version, recorded as that folder', async () => {
    const { catalog } = setup();
    expect(await catalog.versions('one', 'dir:/tpl/one')).toEqual(['0.1.0']);
    const template = await catalog.load('one', 'dir:/tpl/./one');
    expect(template.source).toEqual({ kind: 'dir', path: '/tpl/one' });
    expect(sourceLabel(template)).toBe('dir:/tpl/one');
    await expect(catalog.load('one@9.0.0', 'dir:/tpl/one')).rejects.toMatchObject({ code: 'template-version-unknown', exitCode: 2 });
  });

  it('dir: a folder of versions: each VERSION/ folder, recorded as the folder of versions', async () => {
    const { catalog } = setup();
    expect(await catalog.versions('many', 'dir:/tpl/many')).toEqual(['1.0.0', '2.0.0']);
    expect(await catalog.versions('many', 'dir:/tpl/absent')).toEqual([]);
    const first = await catalog.load('many@1.0.0', 'dir:/tpl/many');
    expect(first.manifest.version).toBe('1.0.0');
    expect(sourceLabel(first)).toBe('dir:/tpl/many');
    expect((await catalog.load('many', 'dir:/tpl/many')).manifest.version).toBe('2.0.0');
  });

  it('changelogs read through the same driver', async () => {
    const { fs } = memoryFs({
      '/tpl/c/1.0.0/template.yaml': manifest('c', '1.0.0'),
      '/tpl/c/1.0.0/files/a': 'a\n',
      '/tpl/c/1.1.0/template.yaml': manifest('c', '1.1.0'),
      '/tpl/c/1.1.0/files/a': 'b\n',
      '/tpl/c/1.1.0/CHANGELOG.md': 'Moved a.\n',
    });
    const catalog = new Catalog({ fs, env: {} }, { builtinRoot: '/catalog' });
    expect(await catalog.changelogs('c', '1.0.0', '1.1.0', 'dir:/tpl/c')).toEqual([{ version: '1.1.0', text: 'Moved a.' }]);
  });
});

describe('sourceLabel', () => {
  it('reads the source on the template, in canonical form', () => {
    const from = (source: Template['source']): Template => ({ source }) as Template;
    expect(sourceLabel(from({ kind: 'git', source: 'git:HTTPS://H/org/repo/' }))).toBe('git:https://h/org/repo');
    expect(sourceLabel(from({ kind: 'npm', source: 'npm:@acme/t//x/./y' }))).toBe('npm:@acme/t//x/y');
    expect(sourceLabel(from({ kind: 'dir', path: '/tpl/a/../b' }))).toBe('dir:/tpl/b');
    expect(sourceLabel(from({ kind: 'builtin' }))).toBe('builtin');
  });
});
