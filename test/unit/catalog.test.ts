/**
 * An organisation's catalog as a source (issue 15): how --catalog / PLATFORM_CATALOG / config
 * values are read (hostile ones first), NAME[@VERSION] and presets inside a catalog folder, shared
 * pins found above a template, portable lockfile sources, and the authoring commands that start a
 * catalog and open a version. All on memfs.
 */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/sources/catalog.js';
import { canonicalSource, isRelativeDir, resolveRelativeSource } from '../../src/sources/canonical.js';
import { chooseHome, configuredCatalog, parseCatalogSpec, templateSourceIn } from '../../src/catalog/home.js';
import { portableSource } from '../../src/catalog/portable.js';
import { componentSource } from '../../src/catalog/lookup.js';
import { initCatalog } from '../../src/catalog/init.js';
import { bumpTemplate, nextVersion } from '../../src/authoring/bump.js';
import { parseLockfile } from '../../src/lock/lockfile.js';
import { isTrusted } from '../../src/hooks/hooks.js';
import { brandedCatalog } from '../../src/api.js';
import { mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryFs, text } from '../helpers/memfs.js';
import { thrownPlatformError } from '../helpers/in-process.js';

const manifest = (name: string, version: string): string => `name: ${name}\nversion: ${version}\ndescription: test\n`;

/** An organisation catalog at /org/acme: pins, a preset and two templates with versions. */
function orgCatalog(extra: Record<string, string> = {}) {
  return memoryFs({
    '/org/acme/pins.yaml': 'tools:\n  node: { version: "22.1.0" }\n',
    '/org/acme/presets/golden-path.yaml': 'name: golden-path\ncomponents:\n  - template: svc\n  - template: extra\n    optional: true\n',
    '/org/acme/svc/1.0.0/template.yaml': manifest('svc', '1.0.0'),
    '/org/acme/svc/1.0.0/files/NODE.hbs': 'node {{pin "tools" "node" "version"}}\n',
    '/org/acme/svc/1.1.0/template.yaml': manifest('svc', '1.1.0'),
    '/org/acme/svc/1.1.0/CHANGELOG.md': '# svc\n\n## 1.1.0\n\n- more\n',
    '/org/acme/svc/1.1.0/files/NODE.hbs': 'node {{pin "tools" "node" "version"}} (1.1)\n',
    '/org/acme/extra/0.1.0/template.yaml': manifest('extra', '0.1.0'),
    '/org/acme/extra/0.1.0/files/EXTRA.md': 'extra\n',
    ...extra,
  });
}

describe('catalog sources as users name them', () => {
  it('refuses hostile values before anything is read', () => {
    expect(thrownPlatformError(() => parseCatalogSpec('ext::sh -c touch% /tmp/x', '/', '--catalog')).exitCode).toBe(5);
    expect(thrownPlatformError(() => parseCatalogSpec('git+https://-oProxyCommand=x/repo.git', '/', '--catalog')).exitCode).toBe(5);
    expect(thrownPlatformError(() => parseCatalogSpec('npm:--registry=http://evil', '/', '--catalog')).exitCode).toBe(5);
    expect(thrownPlatformError(() => parseCatalogSpec('npm:@acme/catalog//../..', '/', '--catalog')).exitCode).toBe(5);
    for (const bad of ['', '   ', 'a\nb', 'x'.repeat(5000), 'ftp://host/catalog', 'svn+ssh://host/repo']) {
      expect(thrownPlatformError(() => parseCatalogSpec(bad, '/', '--catalog')).exitCode, JSON.stringify(bad.slice(0, 20))).toBe(2);
    }
  });

  it('takes no ref or range: a catalog is followed at its newest release', () => {
    const ref = thrownPlatformError(() => parseCatalogSpec('git+https://h.example/acme/catalog.git#main', '/', 'PLATFORM_CATALOG'));
    expect(ref.code).toBe('catalog-ref');
    expect(ref.message).toContain('PLATFORM_CATALOG');
    expect(thrownPlatformError(() => parseCatalogSpec('npm:@acme/catalog@^2', '/', '--catalog')).code).toBe('catalog-ref');
  });

  it('reads folders, git and npm catalogs, and names each template inside them', () => {
    const dir = parseCatalogSpec('../acme', '/work/here', '--catalog');
    expect(dir).toMatchObject({ kind: 'dir', root: 'dir:/work/acme' });
    expect(templateSourceIn(dir, 'service')).toBe('dir:/work/acme/service');
    const git = parseCatalogSpec('git+https://user:tok@Git.Example.com:443/acme/catalog.git', '/', '--catalog');
    expect(git).toMatchObject({ kind: 'git', root: 'git:https://git.example.com/acme/catalog.git' });
    expect(templateSourceIn(git, 'service')).toBe('git:https://git.example.com/acme/catalog.git//service');
    const sub = parseCatalogSpec('github:acme/platform//catalog', '/', '--catalog');
    expect(templateSourceIn(sub, 'ci')).toBe('git:https://github.com/acme/platform.git//catalog/ci');
    const npm = parseCatalogSpec('npm:@acme/golden-path', '/', '--catalog');
    expect(templateSourceIn(npm, 'deploy')).toBe('npm:@acme/golden-path//deploy');
    const tgz = parseCatalogSpec('npm:file:/packs/acme-1.0.0.tgz', '/', '--catalog');
    expect(templateSourceIn(tgz, 'deploy')).toBe('npm:file:/packs/acme-1.0.0.tgz//deploy');
    expect(parseCatalogSpec('builtin', '/', '--catalog').kind).toBe('builtin');
    expect(parseCatalogSpec('npm:file:./packs/acme-1.0.0.tgz', '/work', '--catalog')).toMatchObject({ root: 'npm:file:/work/packs/acme-1.0.0.tgz' });
  });

  it('the flag beats PLATFORM_CATALOG, which beats the config file; a relative config path is the file\'s', async () => {
    const { fs } = memoryFs({ '/home/u/.config/platform/config.yaml': 'trust: []\ncatalog: ../../catalogs/acme\n' });
    const env = { HOME: '/home/u' };
    expect((await configuredCatalog(fs, env))).toMatchObject({ kind: 'dir', root: 'dir:/home/u/catalogs/acme' });
    expect((await chooseHome(fs, env, '/w', {})).home).toMatchObject({ root: 'dir:/home/u/catalogs/acme' });
    expect((await chooseHome(fs, { ...env, PLATFORM_CATALOG: '/env/cat' }, '/w', {})).home).toMatchObject({ root: 'dir:/env/cat' });
    const flag = await chooseHome(fs, { ...env, PLATFORM_CATALOG: '/env/cat' }, '/w', { flag: './mine' });
    expect(flag).toMatchObject({ explicit: true, home: { root: 'dir:/w/mine' } });
  });

  it('a bad catalog: in the config file is an error with its file and line', async () => {
    const { fs } = memoryFs({ '/c/config.yaml': 'trust: []\ncatalog: "ext::sh -c id"\n' });
    await expect(configuredCatalog(fs, { PLATFORM_CONFIG: '/c/config.yaml' })).rejects.toMatchObject({ exitCode: 5 });
    const { fs: typed } = memoryFs({ '/c/config.yaml': 'catalog: [1, 2]\n' });
    await expect(configuredCatalog(typed, { PLATFORM_CONFIG: '/c/config.yaml' })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('/c/config.yaml') });
    const { fs: lined } = memoryFs({ '/c/config.yaml': 'trust: []\n\ncatalog: svn://x/y\n' });
    await expect(configuredCatalog(lined, { PLATFORM_CONFIG: '/c/config.yaml' })).rejects.toMatchObject({ message: expect.stringContaining('/c/config.yaml:3') });
  });
});

describe('a catalog folder as the run\'s catalog', () => {
  it('resolves NAME[@VERSION] and presets inside it, with the pins at its top', async () => {
    const { fs } = orgCatalog();
    const catalog = new Catalog({ fs, env: {} }, { home: parseCatalogSpec('/org/acme', '/', '--catalog') });
    expect((await catalog.list()).map((e) => `${e.name}:${e.versions.join(',')}`)).toEqual(['extra:0.1.0', 'svc:1.0.0,1.1.0']);
    const latest = await catalog.loadFromHome('svc');
    expect(latest.manifest.version).toBe('1.1.0');
    expect(latest.pins).toEqual({ tools: { node: { version: '22.1.0' } } });
    expect(latest.source).toEqual({ kind: 'dir', path: '/org/acme/svc' });
    expect((await catalog.loadFromHome('svc@1.0.0')).manifest.version).toBe('1.0.0');
    expect((await catalog.preset('golden-path'))?.components.map((c) => c.template)).toEqual(['svc', 'extra']);
    const unknown = await catalog.loadFromHome('service').catch((e: unknown) => e as Error);
    expect(unknown).toMatchObject({ code: 'template-unknown', hint: expect.stringContaining('svc (1.0.0, 1.1.0)') });
    expect(await catalog.loadFromHome('svc@9.9.9').catch((e: unknown) => (e as { code: string }).code)).toBe('template-version-unknown');
  });

  it('an empty or missing folder is named as not a catalog; nothing else is read', async () => {
    const { fs } = memoryFs({ '/empty/README.md': 'hi\n' });
    for (const path of ['/empty', '/nowhere']) {
      const catalog = new Catalog({ fs, env: {} }, { home: parseCatalogSpec(path, '/', '--catalog') });
      await expect(catalog.loadFromHome('svc')).rejects.toMatchObject({ code: 'catalog-empty', message: expect.stringContaining(path) });
    }
  });

  it('a linked VERSION/ folder is not a version (it would read whatever it points at)', async () => {
    const { fs, vol } = orgCatalog({ '/secret/template.yaml': manifest('svc', '9.0.0') });
    vol.symlinkSync('/secret', '/org/acme/svc/9.0.0');
    const catalog = new Catalog({ fs, env: {} }, { home: parseCatalogSpec('/org/acme', '/', '--catalog') });
    expect(await catalog.versions('svc', 'dir:/org/acme/svc')).toEqual(['1.0.0', '1.1.0']);
  });

  it('a linked pins.yaml in the catalog is refused', async () => {
    const { fs, vol } = orgCatalog({ '/elsewhere/pins.yaml': 'tools: {}\n' });
    vol.unlinkSync('/org/acme/pins.yaml');
    vol.symlinkSync('/elsewhere/pins.yaml', '/org/acme/pins.yaml');
    const catalog = new Catalog({ fs, env: {} }, { home: parseCatalogSpec('/org/acme', '/', '--catalog') });
    await expect(catalog.loadFromHome('svc')).rejects.toMatchObject({ exitCode: 5, code: 'template-symlink' });
  });

  it('pins are looked for at most two folders above a template, never higher', async () => {
    const { fs } = memoryFs({
      '/pins.yaml': 'tools:\n  node: { version: "0.0.0-too-high" }\n',
      '/a/b/c/svc/1.0.0/template.yaml': manifest('svc', '1.0.0'),
      '/a/b/c/svc/1.0.0/files/README.md': 'x\n',
    });
    const catalog = new Catalog({ fs, env: {} });
    expect((await catalog.load('svc@1.0.0', 'dir:/a/b/c/svc')).pins).toEqual({});
  });
});

describe('portable lockfile sources', () => {
  it('a folder inside the repository is recorded relative to the lockfile; one outside absolute, with a warning', async () => {
    const { fs } = memoryFs({ '/mono/.git/HEAD': 'ref: refs/heads/main\n', '/mono/catalog/svc/1.0.0/template.yaml': manifest('svc', '1.0.0') });
    expect(await portableSource(fs, '/mono/services/api', 'dir:/mono/catalog/svc', 'svc')).toEqual({ recorded: 'dir:../../catalog/svc' });
    expect(await portableSource(fs, '/mono', 'dir:/mono/catalog/svc', 'svc')).toEqual({ recorded: 'dir:./catalog/svc' });
    const outside = await portableSource(fs, '/mono/services/api', 'dir:/srv/catalog/svc', 'svc');
    expect(outside.recorded).toBe('dir:/srv/catalog/svc');
    expect(outside.warning).toMatch(/outside the repository.*absolute path.*another machine/s);
    expect(await portableSource(fs, '/mono', 'git:https://h.example/acme/c.git//svc', 'svc')).toEqual({ recorded: 'git:https://h.example/acme/c.git//svc' });
  });

  it('relative sources are canonical, resolved against the repository, and never trusted by how they are spelled', () => {
    expect(canonicalSource('dir:./catalog//svc/')).toBe('dir:./catalog/svc');
    expect(canonicalSource('dir:../x/./y')).toBe('dir:../x/y');
    expect(isRelativeDir('dir:./a')).toBe(true);
    expect(isRelativeDir('dir:/a')).toBe(false);
    expect(resolveRelativeSource('dir:../../catalog/svc', '/mono/services/api')).toBe('dir:/mono/catalog/svc');
    expect(thrownPlatformError(() => resolveRelativeSource('dir:./x', undefined)).exitCode).toBe(2);
    expect(thrownPlatformError(() => canonicalSource('dir:catalog/svc')).exitCode).toBe(2);
    // A trust entry covers absolute sources; a relative spelling is never matched (the run resolves it first).
    expect(isTrusted('dir:./catalog/svc', ['dir:/mono/catalog'])).toBe(false);
    expect(isTrusted(resolveRelativeSource('dir:./catalog/svc', '/mono'), ['dir:/mono/catalog'])).toBe(true);
  });

  it('a lockfile may record a relative folder; a bare relative path is refused with its line', () => {
    const lock = (source: string) => `schemaVersion: 1\ntemplates:\n  - name: svc\n    version: 1.0.0\n    source: ${source}\n    answers: {}\n    files: {}\n`;
    expect(parseLockfile(lock('dir:../catalog/svc'), '/r/.platform.yaml').templates[0]!.source).toBe('dir:../catalog/svc');
    const error = thrownPlatformError(() => parseLockfile(lock('dir:catalog/svc'), '/r/.platform.yaml'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('line 5');
  });

  it('a component whose source is gone: the configured catalog if it has it, else an error naming the source and the fixes', async () => {
    const { fs } = orgCatalog();
    const locked = { name: 'svc', source: 'dir:/old/place/svc' };
    const builtin = new Catalog({ fs, env: {} });
    const error = await componentSource(builtin, locked, false, { HOME: '/home/u' }).catch((e: unknown) => e as { code: string; message: string; hint: string });
    expect(error).toMatchObject({ code: 'source-not-found', message: expect.stringContaining('dir:/old/place/svc') });
    expect(error.hint).toMatch(/--catalog.*\/home\/u\/\.config\/platform\/config\.yaml.*--offline/s);
    const configured = new Catalog({ fs, env: {} }, { home: parseCatalogSpec('/org/acme', '/', 'PLATFORM_CATALOG') });
    expect(await componentSource(configured, locked, false, {})).toMatchObject({ source: 'dir:/org/acme/svc', moved: true, note: expect.stringContaining('dir:/old/place/svc') });
    // Found where it was recorded: it stays there, unless --catalog says otherwise.
    expect(await componentSource(configured, { name: 'svc', source: 'dir:/org/acme/svc' }, false, {})).toEqual({ source: 'dir:/org/acme/svc', moved: false });
  });
});

describe('platform catalog init and template bump', () => {
  it('init copies every top-level file of the built-in catalog, generically', async () => {
    const { fs } = memoryFs({
      '/builtin/pins.yaml': 'tools: {}\n',
      '/builtin/CONVENTIONS.md': 'c\n',
      '/builtin/questions.yaml': 'shared: []\n',
      '/builtin/presets/golden-path.yaml': 'name: golden-path\ncomponents: [{ template: svc }]\n',
      '/builtin/schemas/template.schema.json': '{}\n',
      '/builtin/svc/1.0.0/template.yaml': manifest('svc', '1.0.0'),
      '/builtin/svc/1.0.0/files/run.sh': '#!/bin/sh\n',
    });
    await fs.chmod('/builtin/svc/1.0.0/files/run.sh', 0o755);
    const result = await initCatalog(fs, '/builtin', '/org/new');
    expect(result.templates).toEqual([{ name: 'svc', versions: ['1.0.0'] }]);
    for (const path of ['pins.yaml', 'CONVENTIONS.md', 'questions.yaml', 'presets/golden-path.yaml', 'schemas/template.schema.json', 'svc/1.0.0/template.yaml']) {
      expect(text(await fs.readFile(`/org/new/${path}`)), path).toBe(text(await fs.readFile(`/builtin/${path}`)));
    }
    expect((await fs.lstat('/org/new/svc/1.0.0/files/run.sh')).mode & 0o111).not.toBe(0);
  });

  it('init refuses a non-empty folder, a file, a link, and a source holding a link: nothing written', async () => {
    const { fs, vol } = memoryFs({ '/builtin/svc/1.0.0/template.yaml': manifest('svc', '1.0.0'), '/busy/x': 'x', '/file': 'f', '/real/.keep': '' });
    vol.symlinkSync('/real', '/link');
    await expect(initCatalog(fs, '/builtin', '/busy')).rejects.toMatchObject({ exitCode: 2, code: 'target-not-empty' });
    await expect(initCatalog(fs, '/builtin', '/file')).rejects.toMatchObject({ exitCode: 2 });
    await expect(initCatalog(fs, '/builtin', '/link')).rejects.toMatchObject({ exitCode: 5 });
    vol.symlinkSync('/etc', '/builtin/svc/1.0.0/files');
    await expect(initCatalog(fs, '/builtin', '/fresh')).rejects.toMatchObject({ exitCode: 5, code: 'copy-not-regular' });
    expect(vol.existsSync('/fresh/svc')).toBe(false);
  });

  it('bump copies the latest version to the next, sets its version and opens a changelog entry', async () => {
    const { fs } = orgCatalog();
    const result = await bumpTemplate(fs, '/org/acme/svc', {});
    expect(result).toMatchObject({ name: 'svc', from: '1.1.0', to: '1.2.0', dir: '/org/acme/svc/1.2.0' });
    expect(text(await fs.readFile('/org/acme/svc/1.2.0/template.yaml'))).toBe(manifest('svc', '1.2.0'));
    expect(text(await fs.readFile('/org/acme/svc/1.2.0/files/NODE.hbs'))).toBe(text(await fs.readFile('/org/acme/svc/1.1.0/files/NODE.hbs')));
    expect(text(await fs.readFile('/org/acme/svc/1.2.0/CHANGELOG.md'))).toMatch(/^# svc\n\n## 1\.2\.0\n[\s\S]*## 1\.1\.0/);
    // The released version is untouched.
    expect(text(await fs.readFile('/org/acme/svc/1.1.0/template.yaml'))).toBe(manifest('svc', '1.1.0'));
    expect((await bumpTemplate(fs, '/org/acme/svc', { level: 'major' })).to).toBe('2.0.0');
    expect(nextVersion('1.2.3-rc.1', 'patch')).toBe('1.2.4');
  });

  it('bump refuses what would overwrite or go back, and a folder that is not NAME/', async () => {
    const { fs } = orgCatalog({ '/org/acme/svc/1.2.0/keep.txt': 'work in progress\n' });
    await expect(bumpTemplate(fs, '/org/acme/svc', { to: '1.0.5' })).rejects.toMatchObject({ code: 'bump-version' });
    await expect(bumpTemplate(fs, '/org/acme/svc', { to: 'latest' })).rejects.toMatchObject({ code: 'bump-version' });
    await expect(bumpTemplate(fs, '/org/acme', {})).rejects.toMatchObject({ code: 'bump-not-versions' });
    await expect(bumpTemplate(fs, '/org/acme/svc/1.1.0', {})).rejects.toMatchObject({ code: 'bump-not-versions' });
    const { fs: started } = orgCatalog({ '/org/acme/svc/1.2.0/template.yaml': manifest('svc', '1.2.0'), '/org/acme/svc/1.3.0/notes.txt': 'x' });
    await expect(bumpTemplate(started, '/org/acme/svc', { to: '1.3.0' })).rejects.toMatchObject({ code: 'target-not-empty' });
  });
});

describe('the engine API for a branded CLI', () => {
  it('records npm:NAME//FOLDER by default, reads the installed copy first, and refuses a catalog outside the package', async () => {
    const pkg = realpathSync(mkdtempSync(join(tmpdir(), 'branded-')));
    try {
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/create-service', version: '1.1.0' }));
      mkdirSync(join(pkg, 'catalog', 'svc', '1.0.0', 'files'), { recursive: true });
      writeFileSync(join(pkg, 'catalog', 'svc', '1.0.0', 'template.yaml'), manifest('svc', '1.0.0'));
      const branded = brandedCatalog({ bin: 'platform', packageJson: join(pkg, 'package.json'), catalog: new URL(`file://${pkg}/catalog/`) });
      expect(branded).toMatchObject({ name: '@acme/create-service', version: '1.1.0', catalog: { home: { kind: 'npm', root: 'npm:@acme/create-service//catalog' }, mirror: { dir: join(pkg, 'catalog') } } });
      const { nodeFs } = await import('../../src/core/node-fs.js');
      // Offline, the registry is not asked: the installed copy answers, recorded as the published source.
      const catalog = new Catalog({ fs: nodeFs, env: { PLATFORM_OFFLINE: '1', PLATFORM_CACHE_DIR: join(pkg, 'cache') } }, { home: branded.catalog.home, mirror: branded.catalog.mirror });
      const template = await catalog.loadFromHome('svc');
      expect(template.source).toEqual({ kind: 'npm', source: 'npm:@acme/create-service//catalog/svc' });
      expect(() => brandedCatalog({ bin: 'platform', packageJson: join(pkg, 'package.json'), catalog: tmpdir() })).toThrow(/inside the package/);
      expect(() => brandedCatalog({ bin: 'platform', packageJson: join(pkg, 'package.json'), catalog: join(pkg, 'catalog'), source: 'dir:/srv/x' })).toThrow(/npm: or git:/);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});

describe("a branded CLI's own catalog and trust", () => {
  /** `platform new app --dry-run` on memfs, as the plain CLI or as a branded one whose package ships /pkg/catalog. */
  async function dryRunCreate(branded: boolean, catalogFlag: string[] = []): Promise<{ code: number; stderr: string }> {
    const { run } = await import('../../src/cli/main.js');
    const { fs } = memoryFs({
      '/pkg/catalog/hooked/1.0.0/template.yaml': `${manifest('hooked', '1.0.0')}hooks:\n  - description: say hello\n    run: [echo, hello]\n    on: [create]\n`,
      '/pkg/catalog/hooked/1.0.0/files/README.md': 'hooked\n',
      '/work/.keep': '',
    });
    let stderr = '';
    const sink = { isTTY: false, write: (chunk: string) => ((stderr += chunk), true) };
    const mirror = { source: 'npm:@acme/create-service//catalog', dir: '/pkg/catalog' };
    const ctx = {
      cwd: '/work',
      env: { NO_COLOR: '1', PLATFORM_OFFLINE: '1', PLATFORM_CACHE_DIR: '/cache', PLATFORM_CONFIG: '/nowhere/config.yaml' },
      stdin: { isTTY: false },
      stdout: sink,
      stderr: sink,
      fs,
      version: '9.9.9',
      pid: 1,
      isRunning: () => false,
      self: [],
      onCancel: () => undefined,
      ...(branded ? { catalog: { home: { kind: 'npm' as const, root: mirror.source, origin: 'the @acme/create-service CLI', shown: mirror.source }, mirror } } : {}),
    } as unknown as import('../../src/cli/context.js').CliContext;
    const code = await run('platform', ['new', 'app', '--template', 'hooked', '--yes', '--no-install', '--no-git', '--dry-run', ...catalogFlag], ctx);
    return { code, stderr };
  }

  it('the branded CLI runs its own catalog\'s hooks; the same templates through --catalog need trust (exit 4)', async () => {
    const own = await dryRunCreate(true);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stderr).toMatch(/Then would run[\s\S]*echo hello/);
    const other = await dryRunCreate(false, ['--catalog', '/pkg/catalog']);
    expect(other.code, other.stderr).toBe(4);
  });
});

describe('the catalog a repository was made from', () => {
  it('is the one its components all name; mixed, built-in or foreign-named sources give none', async () => {
    const { recordedCatalog } = await import('../../src/catalog/lookup.js');
    expect(recordedCatalog([{ name: 'service', source: 'git:https://h.example/acme/gp.git//service' }, { name: 'ci', source: 'git:https://h.example/acme/gp.git//ci' }], '/r')).toMatchObject({ kind: 'git', root: 'git:https://h.example/acme/gp.git' });
    expect(recordedCatalog([{ name: 'service', source: 'npm:@acme/create-service//templates/service' }], '/r')).toMatchObject({ kind: 'npm', root: 'npm:@acme/create-service//templates' });
    expect(recordedCatalog([{ name: 'service', source: 'dir:../catalog/service' }], '/mono/r')).toMatchObject({ kind: 'dir', root: 'dir:/mono/catalog' });
    expect(recordedCatalog([{ name: 'service', source: 'builtin' }], '/r')).toBeUndefined();
    expect(recordedCatalog([{ name: 'service', source: 'dir:/a/service' }, { name: 'ci', source: 'dir:/b/ci' }], '/r')).toBeUndefined();
    expect(recordedCatalog([{ name: 'service', source: 'git:https://h.example/acme/service.git' }], '/r')).toBeUndefined();
  });

  it('platform add takes a new component from it when no catalog is set', async () => {
    const { fs } = orgCatalog({
      '/repo/.platform.yaml': 'schemaVersion: 1\ntemplates:\n  - name: svc\n    version: 1.0.0\n    source: dir:/org/acme/svc\n    answers: {}\n    files: {}\n',
    });
    const { runInProcess } = await import('../helpers/in-process.js');
    const r = await runInProcess(fs, ['add', 'extra', '--yes', '--dry-run', '--json'], { cwd: '/repo', env: { PLATFORM_CONFIG: '/nowhere/config.yaml' } });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { components: Array<{ name: string; source: string }> }).components).toEqual([expect.objectContaining({ name: 'extra', source: 'dir:/org/acme/extra' })]);
  });
});

describe('platform add in a repository made from one template of a folder', () => {
  it('still takes built-in components: the folder is not a catalog holding them', async () => {
    const { runInProcess } = await import('../helpers/in-process.js');
    const { nodeFs } = await import('../../src/core/node-fs.js');
    const top = realpathSync(mkdtempSync(join(tmpdir(), 'add-recorded-')));
    try {
      mkdirSync(join(top, 'tpl', 'svc', 'files'), { recursive: true });
      mkdirSync(join(top, 'repo'));
      writeFileSync(join(top, 'tpl', 'svc', 'template.yaml'), manifest('svc', '1.0.0'));
      writeFileSync(join(top, 'repo', '.platform.yaml'), `schemaVersion: 1\ntemplates:\n  - name: svc\n    version: 1.0.0\n    source: dir:${top}/tpl/svc\n    answers: {}\n    files: {}\n`);
      const r = await runInProcess(nodeFs, ['add', 'secrets', '--yes', '--dry-run', '--json'], { cwd: join(top, 'repo'), env: { PLATFORM_CONFIG: join(top, 'none.yaml') } });
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { components: Array<{ name: string; source: string }> }).components).toEqual([expect.objectContaining({ name: 'secrets', source: 'builtin' })]);
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});
