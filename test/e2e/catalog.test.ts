/**
 * An organisation's catalog, end to end, as a platform team and its product teams run it (issue
 * 15, "Done when"): `platform catalog init`, a pin and a file changed, a version bumped, the
 * catalog published as a git repository (tags) and as npm tarballs, repositories created from it
 * through --catalog, the config file and a branded wrapper package installed from its tarball,
 * then upgraded to the bumped version from another working folder. Everything stays on this
 * machine: file:// git, `npm pack` tarballs, installs with --prefer-offline, PLATFORM_OFFLINE for
 * the wrapper (its package is published nowhere).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, cliEnv, installedBins, runNode, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult | { status: number | null; stdout: string; stderr: string }) =>
  `exit ${'code' in r ? r.code : r.status}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** Two fake digests the organisation pins instead of the built-in ones. */
const ACME_NODE22 = `sha256:${'a2'.repeat(32)}`;
const ACME_NODE24 = `sha256:${'b4'.repeat(32)}`;

let HOME = '';
let ENV: Record<string, string> = {};
let ACME = '';
let ENGINE_TGZ = '';
let ENGINE_ROOT = '';

interface Lock {
  cli?: { package: string; version: string };
  templates: Array<{ name: string; version: string; source: string }>;
}
const lockOf = (repo: string): Lock => parse(readFileSync(join(repo, '.platform.yaml'), 'utf8')) as Lock;
const service = (repo: string) => lockOf(repo).templates.find((t) => t.name === 'service')!;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd, env: { ...cliEnv(ENV), ...env }, encoding: 'utf8' });
  expect(r.status, `${cmd} ${args.join(' ')}\n${out(r)}`).toBe(0);
  return r.stdout;
}

/** `npm pack` of a folder into packs/, returning the tarball's path. */
function pack(dir: string): string {
  const packs = join(HOME, 'packs');
  mkdirSync(packs, { recursive: true });
  const json = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packs], dir);
  return join(packs, (JSON.parse(json) as Array<{ filename: string }>)[0]!.filename);
}

/** A release of the catalog: committed and tagged in git, and packed as @acme/golden-path at the same version. */
function release(version: string): string {
  writeFileSync(join(ACME, 'package.json'), `${JSON.stringify({ name: '@acme/golden-path', version }, null, 2)}\n`);
  run('git', ['add', '-A'], ACME);
  run('git', ['commit', '-q', '-m', `golden path ${version}`], ACME);
  run('git', ['tag', `v${version}`], ACME);
  return pack(ACME);
}

/** The branded package @acme/create-service at a version: its catalog (a copy of ACME) and two bins calling the engine API. */
function brandedPackage(version: string): string {
  const dir = join(HOME, `branded-${version}`);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  cpSync(ACME, join(dir, 'templates'), { recursive: true, filter: (src) => !src.includes('/.git') && !src.endsWith('package.json') });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: '@acme/create-service', version, type: 'module', bin: { 'create-service': 'bin/create-service.js', platform: 'bin/platform.js' }, files: ['bin', 'templates'], dependencies: { 'create-service': `file:${ENGINE_TGZ}` } }, null, 2)}\n`,
  );
  for (const bin of ['create-service', 'platform']) {
    writeFileSync(
      join(dir, 'bin', `${bin}.js`),
      `#!/usr/bin/env node\nimport { runBrandedCli } from 'create-service';\nrunBrandedCli({ bin: '${bin}', packageJson: new URL('../package.json', import.meta.url), catalog: new URL('../templates/', import.meta.url) });\n`,
    );
  }
  return pack(dir);
}

/** Installs tarballs into a project folder as a team would (no registry needed: the engine's dependencies come from npm's cache). */
function install(project: string, tarballs: string[]): void {
  mkdirSync(project, { recursive: true });
  if (!existsSync(join(project, 'package.json'))) writeFileSync(join(project, 'package.json'), '{ "name": "team-project", "private": true }\n');
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...tarballs], project);
}

let GIT_URL = '';
let NPM_V1 = '';
let NPM_V2 = '';
let BRANDED_V1 = '';
let BRANDED_V2 = '';
const repos: Record<'git' | 'config' | 'npm' | 'branded', string> = { git: '', config: '', npm: '', branded: '' };

beforeAll(async () => {
  HOME = tempDir('catalog-e2e-');
  writeFileSync(join(HOME, 'gitconfig'), '[user]\n\tname = Platform Team\n\temail = platform@example.com\n[init]\n\tdefaultBranch = main\n');
  ENV = { GIT_CONFIG_GLOBAL: join(HOME, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1', PLATFORM_CACHE_DIR: join(HOME, 'cache'), XDG_CONFIG_HOME: join(HOME, 'config') };
  const bins = await installedBins();
  ENGINE_TGZ = bins.tarball;
  ENGINE_ROOT = join(bins.prefix, 'node_modules', 'create-service');
});

describe('an organisation catalog, from init to upgraded repositories', () => {
  it('starts from the built-in catalog with platform catalog init', async () => {
    const r = await cli('platform', ['catalog', 'init', 'acme'], { cwd: HOME, env: ENV });
    expect(r.code, out(r)).toBe(0);
    ACME = join(HOME, 'acme');
    for (const path of ['pins.yaml', 'presets/golden-path.yaml', 'schemas/lockfile.schema.json', 'CONVENTIONS.md', 'service/1.3.0/template.yaml', 'ci/1.3.0/template.yaml']) {
      expect(existsSync(join(ACME, path)), path).toBe(true);
    }
    // Not twice into the same folder: nothing is overwritten.
    const again = await cli('platform', ['catalog', 'init', 'acme'], { cwd: HOME, env: ENV });
    expect(again.code, out(again)).toBe(2);
  });

  it('publishes release 1.0.0 with its own pins, as a git repository and an npm tarball', () => {
    const pins = readFileSync(join(ACME, 'pins.yaml'), 'utf8');
    const pinned = pins
      .replace(/(node22: \{[^}]*digest: ")sha256:[0-9a-f]{64}/, `$1${ACME_NODE22}`)
      .replace(/(node24: \{[^}]*digest: ")sha256:[0-9a-f]{64}/, `$1${ACME_NODE24}`);
    expect(pinned).not.toBe(pins);
    writeFileSync(join(ACME, 'pins.yaml'), pinned);
    run('git', ['init', '-q'], ACME);
    NPM_V1 = release('1.0.0');
    GIT_URL = `git+file://${ACME}`;
    BRANDED_V1 = brandedPackage('1.0.0');
  });

  it('creates a repository through --catalog (git), recording git:URL//service', async () => {
    const r = await cli('create-service', ['from-git', '--catalog', GIT_URL, '--template', 'service', '--yes', '--no-install', '--no-git'], { cwd: HOME, env: ENV });
    expect(r.code, out(r)).toBe(0);
    repos.git = join(HOME, 'from-git');
    expect(service(repos.git)).toMatchObject({ version: '1.3.0', source: `git:file://${ACME}//service` });
    expect(readFileSync(join(repos.git, 'Dockerfile'), 'utf8')).toMatch(new RegExp(`${ACME_NODE22}|${ACME_NODE24}`));
  });

  it('creates the whole golden path through catalog: in the config file', async () => {
    mkdirSync(join(HOME, 'config', 'platform'), { recursive: true });
    writeFileSync(join(HOME, 'config', 'platform', 'config.yaml'), `catalog: ${GIT_URL}\n`);
    const list = await cli('platform', ['templates', '--json'], { cwd: HOME, env: ENV });
    expect(list.code, out(list)).toBe(0);
    expect((JSON.parse(list.stdout) as { catalog: string }).catalog).toBe(`git:file://${ACME}`);
    const r = await cli('create-service', ['from-config', '--yes', '--no-install', '--no-git'], { cwd: HOME, env: ENV });
    expect(r.code, out(r)).toBe(0);
    repos.config = join(HOME, 'from-config');
    const lock = lockOf(repos.config);
    expect(lock.templates.map((t) => t.name).sort()).toEqual(['ci', 'deploy', 'observability', 'secrets', 'service']);
    for (const t of lock.templates) expect(t.source).toBe(`git:file://${ACME}//${t.name}`);
    rmSync(join(HOME, 'config', 'platform', 'config.yaml'));
  });

  it('creates a repository through --catalog (an npm tarball)', async () => {
    const r = await cli('create-service', ['from-npm', '--catalog', `npm:file:${NPM_V1}`, '--template', 'service@1.3.0', '--yes', '--no-install', '--no-git'], { cwd: HOME, env: ENV });
    expect(r.code, out(r)).toBe(0);
    repos.npm = join(HOME, 'from-npm');
    expect(service(repos.npm)).toMatchObject({ version: '1.3.0', source: `npm:file:${NPM_V1}//service` });
  });

  it('creates a repository with `npm create @acme/service` from the branded package', () => {
    const team = join(HOME, 'team');
    install(team, [BRANDED_V1]);
    // The bins are the wrapper's, not the engine's it depends on.
    run('npm', ['create', '@acme/service', '--', 'from-branded', '--yes', '--no-install', '--no-git'], team, { PLATFORM_OFFLINE: '1' });
    repos.branded = join(team, 'from-branded');
    const lock = lockOf(repos.branded);
    expect(lock.cli).toEqual({ package: '@acme/create-service', version: '1.0.0' });
    expect(service(repos.branded)).toMatchObject({ version: '1.3.0', source: 'npm:@acme/create-service//templates/service' });
    expect(JSON.parse(readFileSync(join(repos.branded, 'package.json'), 'utf8')).devDependencies['@acme/create-service']).toBe('1.0.0');
    // Editors check the lockfile against the schema in the pinned CLI: the branded package ships it.
    const schema = /\$schema=\.\/(node_modules\/\S+)/.exec(readFileSync(join(repos.branded, '.platform.yaml'), 'utf8'))?.[1];
    expect(schema).toBe('node_modules/@acme/create-service/templates/schemas/lockfile.schema.json');
    expect(existsSync(join(team, schema!))).toBe(true);
  });

  it('releases service 1.4.0: bump, a new file, tag v1.1.0, npm 1.1.0, branded 1.1.0', async () => {
    const bump = await cli('platform', ['template', 'bump', 'service'], { cwd: ACME, env: ENV });
    expect(bump.code, out(bump)).toBe(0);
    expect(readFileSync(join(ACME, 'service', '1.4.0', 'template.yaml'), 'utf8')).toMatch(/^version: 1\.4\.0$/m);
    expect(readFileSync(join(ACME, 'service', '1.4.0', 'CHANGELOG.md'), 'utf8')).toMatch(/^## 1\.4\.0$/m);
    writeFileSync(join(ACME, 'service', '1.4.0', 'files', 'ACME.md.hbs'), '# {{name}} at Acme\n\nOn-call: #acme-platform.\n');
    NPM_V2 = release('1.1.0');
    BRANDED_V2 = brandedPackage('1.1.0');
  });

  it('reports the release impact on the repositories created from the catalog, before they upgrade (nothing written)', async () => {
    const before = ['from-git', 'from-config', 'from-npm'].map((r) => readFileSync(join(HOME, r, '.platform.yaml'), 'utf8'));
    const template = relative(HOME, join(ACME, 'service', '1.4.0'));
    const r = await cli('platform', ['template', 'test', template, '--against', 'from-git', 'from-config', 'from-npm', '--json'], { cwd: HOME, env: ENV });
    expect(r.code, out(r)).toBe(0);
    const report = JSON.parse(r.stdout) as { totals: Record<string, number>; repositories: Array<{ status: string; from: string; to: string }> };
    expect(report.totals).toMatchObject({ repositories: 3, clean: 3 });
    expect(report.repositories.map((x) => [x.status, x.from, x.to])).toEqual([
      ['clean', '1.3.0', '1.4.0'],
      ['clean', '1.3.0', '1.4.0'],
      ['clean', '1.3.0', '1.4.0'],
    ]);
    const markdown = await cli('platform', ['template', 'test', template, '--against', 'from-git', '--markdown'], { cwd: HOME, env: ENV });
    expect(markdown.code, out(markdown)).toBe(0);
    expect(markdown.stdout).toContain('### Release impact of `service@1.4.0`');
    expect(['from-git', 'from-config', 'from-npm'].map((r) => readFileSync(join(HOME, r, '.platform.yaml'), 'utf8'))).toEqual(before);
  });

  it('upgrades the git repository from another working folder: the lockfile is portable', async () => {
    const moved = join(HOME, 'elsewhere', 'from-git');
    mkdirSync(join(HOME, 'elsewhere'));
    renameSync(repos.git, moved);
    const status = await cli('platform', ['status', '--json'], { cwd: join(moved, 'src'), env: ENV });
    expect(status.code, out(status)).toBe(0);
    expect((JSON.parse(status.stdout) as { components: Array<{ name: string; latest: string }> }).components).toMatchObject([{ name: 'service', latest: '1.4.0' }]);
    const r = await cli('platform', ['upgrade', '--yes'], { cwd: join(moved, 'src'), env: ENV });
    expect(r.code, out(r)).toBe(0);
    expect(service(moved)).toMatchObject({ version: '1.4.0', source: `git:file://${ACME}//service` });
    expect(readFileSync(join(moved, 'ACME.md'), 'utf8')).toBe('# from-git at Acme\n\nOn-call: #acme-platform.\n');
    // What was fetched is enough offline.
    const offline = await cli('platform', ['status', '--offline', '--check'], { cwd: moved, env: ENV });
    expect(offline.code, out(offline)).toBe(0);
  });

  it('upgrades the npm repository to the next tarball with --catalog', async () => {
    const r = await cli('platform', ['upgrade', 'service', '--yes', '--catalog', `npm:file:${NPM_V2}`], { cwd: repos.npm, env: ENV });
    expect(r.code, out(r)).toBe(0);
    expect(service(repos.npm)).toMatchObject({ version: '1.4.0', source: `npm:file:${NPM_V2}//service` });
    expect(existsSync(join(repos.npm, 'ACME.md'))).toBe(true);
  });

  it("upgrades the branded repository with the branded CLI's next version, offline", async () => {
    const team = join(HOME, 'team');
    install(team, [BRANDED_V2]);
    const platform = join(team, 'node_modules', '@acme', 'create-service', 'bin', 'platform.js');
    const r = await runNode(platform, ['upgrade', '--yes'], { cwd: repos.branded, env: { ...ENV, PLATFORM_OFFLINE: '1' } });
    expect(r.code, out(r)).toBe(0);
    expect(service(repos.branded)).toMatchObject({ version: '1.4.0', source: 'npm:@acme/create-service//templates/service' });
    expect(lockOf(repos.branded).cli).toEqual({ package: '@acme/create-service', version: '1.1.0' });
    expect(existsSync(join(repos.branded, 'ACME.md'))).toBe(true);
  });

  it('upgrades the golden path created from the config file, all components', async () => {
    const r = await cli('platform', ['upgrade', '--yes'], { cwd: repos.config, env: ENV });
    expect(r.code, out(r)).toBe(0);
    expect(service(repos.config).version).toBe('1.4.0');
  });
});

describe('catalog folders', () => {
  it('a copied catalog works with --template ./catalog/service and ./catalog/service@VERSION', async () => {
    const parent = tempDir('catalog-folder-');
    cpSync(join(installedBinsRoot(), 'templates'), join(parent, 'catalog'), { recursive: true });
    const latest = await cli('create-service', ['a', '--template', './catalog/service', '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(latest.code, out(latest)).toBe(0);
    const pinned = await cli('create-service', ['b', '--template', './catalog/service@1.0.0', '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(pinned.code, out(pinned)).toBe(0);
    expect(service(join(parent, 'b'))).toMatchObject({ version: '1.0.0', source: `dir:${parent}/catalog/service` });
    const bad = await cli('create-service', ['c', '--template', './catalog/service@latest', '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(bad.code, out(bad)).toBe(2);
  });

  it('records a folder outside the repository with a warning, and names the fixes when it is gone', async () => {
    const parent = tempDir('catalog-folder-');
    cpSync(join(installedBinsRoot(), 'templates'), join(parent, 'catalog'), { recursive: true });
    const r = await cli('create-service', ['app', '--catalog', './catalog', '--template', 'service@1.2.0', '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(r.code, out(r)).toBe(0);
    expect(r.stderr).toMatch(/outside the repository.*absolute path.*another machine/s);
    renameSync(join(parent, 'catalog'), join(parent, 'moved'));
    const lost = await cli('platform', ['upgrade', '--yes'], { cwd: join(parent, 'app'), env: ENV });
    expect(lost.code, out(lost)).toBe(2);
    expect(lost.stderr).toContain(`dir:${parent}/catalog/service`);
    expect(lost.stderr).toMatch(/--catalog/);
    expect(lost.stderr).toMatch(/--offline/);
    expect(lost.stderr).toMatch(/config\.yaml/);
    const found = await cli('platform', ['upgrade', '--yes', '--catalog', '../moved'], { cwd: join(parent, 'app'), env: ENV });
    expect(found.code, out(found)).toBe(0);
    expect(service(join(parent, 'app'))).toMatchObject({ version: '1.3.0', source: `dir:${parent}/moved/service` });
  });

  it('records a catalog inside the repository relative to it, so the repository can move', async () => {
    const parent = tempDir('catalog-mono-');
    const mono = join(parent, 'mono');
    mkdirSync(join(mono, 'services'), { recursive: true });
    run('git', ['init', '-q'], mono);
    cpSync(join(installedBinsRoot(), 'templates'), join(mono, 'catalog'), { recursive: true });
    const r = await cli('create-service', ['api', '--catalog', '../catalog', '--template', 'service@1.2.0', '--yes', '--no-install', '--no-git'], { cwd: join(mono, 'services'), env: ENV });
    expect(r.code, out(r)).toBe(0);
    expect(r.stderr).not.toMatch(/outside the repository/);
    expect(service(join(mono, 'services', 'api')).source).toBe('dir:../../catalog/service');
    renameSync(mono, join(parent, 'mono-moved'));
    const up = await cli('platform', ['upgrade', '--yes'], { cwd: join(parent, 'mono-moved', 'services', 'api'), env: ENV });
    expect(up.code, out(up)).toBe(0);
    expect(service(join(parent, 'mono-moved', 'services', 'api'))).toMatchObject({ version: '1.3.0', source: 'dir:../../catalog/service' });
    const diff = await cli('platform', ['diff', '--json'], { cwd: join(parent, 'mono-moved', 'services', 'api'), env: ENV });
    expect(diff.code, out(diff)).toBe(0);
    expect((JSON.parse(diff.stdout) as { changed: unknown[] }).changed).toEqual([]);
  });

  it('refuses a catalog that is not one, naming it', async () => {
    const parent = tempDir('catalog-bad-');
    mkdirSync(join(parent, 'empty'));
    for (const [catalog, code] of [['./empty', 2], ['git+file:///nowhere/x.git#main', 2], ['ext::sh -c touch% /tmp/pwned', 5], ['npm:--registry=http://127.0.0.1:9', 5]] as const) {
      const r = await cli('create-service', ['app', '--catalog', catalog, '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
      expect(r.code, `${catalog}\n${out(r)}`).toBe(code);
      expect(existsSync(join(parent, 'app')), catalog).toBe(false);
    }
    expect(readdirSync(parent)).toEqual(['empty']);
  });
});

/** The installed engine package (its templates/ is the built-in catalog). */
function installedBinsRoot(): string {
  return ENGINE_ROOT;
}
