/**
 * Templates from npm packages, as a user runs them: the packed CLI, a template package packed
 * with `npm pack` into a temp folder (nothing is published), named with npm:file:/ABS/PKG.tgz,
 * and a temp cache (PLATFORM_CACHE_DIR). The package's install scripts never run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

let ENV: Record<string, string> = {};
let TGZ = '';
let MARKER = '';

beforeAll(() => {
  const home = tempDir('sources-npm-fixtures-');
  ENV = { PLATFORM_CACHE_DIR: join(home, 'cache') };
  MARKER = join(home, 'script-ran');
  const pkg = join(home, 'pkg');
  mkdirSync(join(pkg, 'files'), { recursive: true });
  const touch = `node -e "require('fs').writeFileSync(${JSON.stringify(MARKER)}, 'ran')"`;
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'npmsvc-template', version: '1.2.0', scripts: { preinstall: touch, install: touch, postinstall: touch, prepare: touch } }, null, 2));
  writeFileSync(join(pkg, 'template.yaml'), 'name: npmsvc\nversion: 1.2.0\ndescription: A template kept in an npm package\n');
  writeFileSync(join(pkg, 'files', 'README.md.hbs'), '# {{@target}}\n\nfrom npmsvc 1.2.0\n');
  const packs = join(home, 'packs');
  mkdirSync(packs);
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packs], { cwd: pkg, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  TGZ = join(packs, (JSON.parse(r.stdout) as Array<{ filename: string }>)[0]!.filename);
  expect(existsSync(TGZ)).toBe(true);
  expect(existsSync(MARKER)).toBe(false);
});

describe('--template npm:', () => {
  it('creates from a packed tarball, records npm:file:…, and never runs its scripts', async () => {
    const parent = tempDir('sources-npm-');
    const create = await cli('create-service', ['app', '--template', `npm:file:${TGZ}`, '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(create.code, out(create)).toBe(0);
    const app = join(parent, 'app');
    expect(readFileSync(join(app, 'README.md'), 'utf8')).toBe('# app\n\nfrom npmsvc 1.2.0\n');
    expect(existsSync(join(app, 'package.json'))).toBe(false);
    const lock = parse(readFileSync(join(app, '.platform.yaml'), 'utf8')) as { templates: Array<{ name: string; version: string; source: string }> };
    expect(lock.templates).toMatchObject([{ name: 'npmsvc', version: '1.2.0', source: `npm:file:${TGZ}` }]);
    expect(existsSync(MARKER)).toBe(false);

    const status = await cli('platform', ['status'], { cwd: app, env: ENV });
    expect(status.code, out(status)).toBe(0);
    expect(existsSync(MARKER)).toBe(false);
  });

  it('refuses option-like package names', async () => {
    const parent = tempDir('sources-npm-');
    const r = await cli('create-service', ['app', '--template', 'npm:--registry=http://127.0.0.1:9', '--yes', '--no-install', '--no-git'], { cwd: parent, env: ENV });
    expect(r.code, out(r)).toBe(5);
  });
});

describe('PLATFORM_OFFLINE=1', () => {
  it('fails with exit 2 naming an npm package that is not cached', async () => {
    const parent = tempDir('sources-npm-offline-');
    const r = await cli('create-service', ['app', '--template', 'npm:@acme/never-cached@^2//service', '--yes', '--no-install', '--no-git'], { cwd: parent, env: { ...ENV, PLATFORM_OFFLINE: '1' } });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr + r.stdout).toContain('@acme/never-cached@^2');
  });

  it('fails with exit 2 naming a git repository that is not cached', async () => {
    const parent = tempDir('sources-npm-offline-');
    const r = await cli('create-service', ['app', '--template', 'git+file:///nowhere/templates.git@1.0.0', '--yes', '--no-install', '--no-git'], { cwd: parent, env: { ...ENV, PLATFORM_OFFLINE: '1' } });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr + r.stdout).toContain('file:///nowhere/templates.git');
  });

  it('still creates from a local tarball', async () => {
    const parent = tempDir('sources-npm-offline-');
    const r = await cli('create-service', ['app', '--template', `npm:file:${TGZ}`, '--yes', '--no-install', '--no-git'], { cwd: parent, env: { ...ENV, PLATFORM_OFFLINE: '1' } });
    expect(r.code, out(r)).toBe(0);
  });
});
