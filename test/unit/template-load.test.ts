import { describe, expect, it } from 'vitest';
import { memoryFs } from '../helpers/memfs.js';
import { loadPins, loadTemplate } from '../../src/template/load.js';
import { PlatformError } from '../../src/core/errors.js';
import { listCatalog, parseTemplateRef, resolveInCatalog } from '../../src/template/builtin.js';

async function loadError(manifest: string, files: Record<string, string> = {}): Promise<PlatformError> {
  const seed: Record<string, string> = { '/t/template.yaml': manifest };
  for (const [p, c] of Object.entries(files)) seed[`/t/files/${p}`] = c;
  const { fs } = memoryFs(seed);
  const error = await loadTemplate(fs, '/t', { kind: 'builtin' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('loading template.yaml', () => {
  it('names the file, line and field of an invalid value', async () => {
    const error = await loadError('name: svc\nversion: 1.0.0\nquestions:\n  - name: port\n    type: number\n    min: low\n');
    expect(error.exitCode).toBe(2);
    expect(error.where).toMatchObject({ file: '/t/template.yaml', line: 6 });
    expect(error.message).toContain('questions.0.min');
  });

  it('reports a YAML syntax error with its line', async () => {
    const error = await loadError('name: svc\nversion: 1.0.0\nquestions: [\n  - oops: : :\n');
    expect(error.code).toBe('yaml-parse');
    expect(error.where?.line).toBeGreaterThanOrEqual(3);
  });

  it('rejects unknown fields and a version that is not semver', async () => {
    const error = await loadError('name: svc\nversion: "1.0"\ncolour: blue\n');
    expect(error.message).toMatch(/version|colour/);
    expect([error.message, ...error.problems].join('\n')).toMatch(/colour/);
    expect([error.message, ...error.problems].join('\n')).toMatch(/semantic version/);
  });

  it('rejects __proto__ keys before they reach any object', async () => {
    const error = await loadError('name: svc\nversion: 1.0.0\n__proto__:\n  polluted: true\n');
    expect(error.code).toBe('yaml-proto-key');
    expect(error.where?.line).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a select default that is not a choice', async () => {
    const error = await loadError('name: svc\nversion: 1.0.0\nquestions:\n  - name: db\n    type: select\n    choices: [none, postgres]\n    default: mysql\n');
    expect(error.message).toContain('"mysql" is not one of the choices');
    expect(error.where?.line).toBe(7);
  });

  it('refuses a template that holds a symbolic link', async () => {
    const { fs, vol } = memoryFs({ '/t/template.yaml': 'name: svc\nversion: 1.0.0\n', '/t/files/a.txt': 'a' });
    vol.symlinkSync('/etc/passwd', '/t/files/passwd');
    const error = await loadTemplate(fs, '/t', { kind: 'builtin' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'template-symlink', exitCode: 5 });
  });

  for (const part of ['template.yaml', 'files', 'partials', 'CHANGELOG.md']) {
    it(`refuses a symbolically linked ${part} instead of reading what it points at`, async () => {
      const { fs, vol } = memoryFs({
        '/t/template.yaml': 'name: svc\nversion: 1.0.0\n',
        '/t/files/a.txt': 'a',
        '/elsewhere/template.yaml': 'name: svc\nversion: 1.0.0\n',
        '/elsewhere/files/b.txt': 'b',
        '/elsewhere/partials/p.hbs': 'p',
        '/elsewhere/CHANGELOG.md': '# log',
      });
      if (vol.existsSync(`/t/${part}`)) vol.rmSync(`/t/${part}`, { recursive: true });
      vol.symlinkSync(`/elsewhere/${part}`, `/t/${part}`);
      const error = await loadTemplate(fs, '/t', { kind: 'builtin' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'template-symlink', exitCode: 5 });
      expect((error as Error).message).toContain(`/t/${part}`);
    });
  }

  it('refuses a symbolically linked pins.yaml', async () => {
    const { fs, vol } = memoryFs({ '/catalog/other.yaml': 'actions: {}\n' });
    vol.symlinkSync('/catalog/other.yaml', '/catalog/pins.yaml');
    const error = await loadPins(fs, '/catalog').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'template-symlink', exitCode: 5 });
  });

  it('reads files sorted, with executable bits, and partials', async () => {
    const { fs, vol } = memoryFs({
      '/t/template.yaml': 'name: svc\nversion: 1.0.0\n',
      '/t/files/z.sh': '#!/bin/sh\n',
      '/t/files/a/b.txt.hbs': '{{> header}}',
      '/t/partials/header.hbs': '# header',
    });
    vol.chmodSync('/t/files/z.sh', 0o755);
    const template = await loadTemplate(fs, '/t', { kind: 'builtin' });
    expect(template.files.map((f) => [f.path, f.executable])).toEqual([
      ['a/b.txt.hbs', false],
      ['z.sh', true],
    ]);
    expect(template.partials).toEqual({ header: '# header' });
  });
});

describe('the built-in catalog', () => {
  const { fs } = memoryFs({
    '/c/service/1.0.0/template.yaml': '',
    '/c/service/1.10.0/template.yaml': '',
    '/c/service/1.2.0/template.yaml': '',
    '/c/ci/0.1.0/template.yaml': '',
    '/c/README.md': '',
  });

  it('lists templates with versions in semver order', async () => {
    expect(await listCatalog(fs, '/c')).toEqual([
      { name: 'ci', versions: ['0.1.0'] },
      { name: 'service', versions: ['1.0.0', '1.2.0', '1.10.0'] },
    ]);
  });

  it('resolves the latest version, or the one named, and lists what exists otherwise', async () => {
    const catalog = await listCatalog(fs, '/c');
    expect(resolveInCatalog(catalog, parseTemplateRef('service'), '/c').version).toBe('1.10.0');
    expect(resolveInCatalog(catalog, parseTemplateRef('service@1.2.0'), '/c').dir).toBe('/c/service/1.2.0');
    expect(() => resolveInCatalog(catalog, parseTemplateRef('service@9.9.9'), '/c')).toThrow(/no version 9\.9\.9/);
    const unknown = (() => {
      try {
        resolveInCatalog(catalog, parseTemplateRef('servce'), '/c');
      } catch (e) {
        return e as PlatformError;
      }
    })();
    expect(unknown?.message).toContain('Did you mean "service"');
    expect(unknown?.hint).toContain('service (1.0.0, 1.2.0, 1.10.0)');
    expect(() => parseTemplateRef('../etc')).toThrow(/not a template name/);
  });
});
