import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/core/errors.js';
import { isNpmSpec, npmSourceLabel, parseNpmSource, parseNpmSpec, satisfies } from '../../src/sources/npm-spec.js';
import { isOffline } from '../../src/sources/offline.js';
import { readTar, writeEntries } from '../../src/sources/tar.js';
import { isPathSpec } from '../../src/cli/compose.js';

/** A tiny ustar writer: [path, type, body?, linkname?]. */
function tar(entries: Array<{ path: string; type?: string; body?: string; link?: string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    h.write(e.path, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write(e.type ?? '0', 156);
    if (e.link) h.write(e.link, 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    h.fill(' ', 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function refusal(run: () => unknown): PlatformError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PlatformError);
  return caught as PlatformError;
}

describe('tar reader', () => {
  it('reads files and folders, stripping package/, and writes them', () => {
    const entries = readTar(tar([
      { path: 'package/', type: '5' },
      { path: 'package/template.yaml', body: 'name: x\n' },
      { path: 'package/files/', type: '5' },
      { path: 'package/files/README.md', body: 'x'.repeat(700) },
    ]));
    expect(entries.map((e) => [e.path, e.kind])).toEqual([['template.yaml', 'file'], ['files', 'dir'], ['files/README.md', 'file']]);
    expect(Buffer.from(entries[2]!.data).toString()).toBe('x'.repeat(700));
    const dir = mkdtempSync(join(tmpdir(), 'tar-'));
    writeEntries(entries, dir);
    expect(fs.readFileSync(join(dir, 'template.yaml'), 'utf8')).toBe('name: x\n');
    expect(fs.readFileSync(join(dir, 'files', 'README.md'), 'utf8')).toHaveLength(700);
  });

  it('refuses .., absolute paths, symlinks, hard links and devices', () => {
    expect(refusal(() => readTar(tar([{ path: 'package/../evil', body: 'x' }]))).code).toBe('tar-path');
    expect(refusal(() => readTar(tar([{ path: '/etc/evil', body: 'x' }]))).code).toBe('tar-path');
    expect(refusal(() => readTar(tar([{ path: 'package/link', type: '2', link: '/etc/passwd' }]))).code).toBe('tar-entry-refused');
    expect(refusal(() => readTar(tar([{ path: 'package/hard', type: '1', link: 'package/x' }]))).code).toBe('tar-entry-refused');
    expect(refusal(() => readTar(tar([{ path: 'package/dev', type: '3' }]))).code).toBe('tar-entry-refused');
    expect(refusal(() => readTar(tar([{ path: 'package/../evil', body: 'x' }]))).exitCode).toBe(5);
  });

  it('refuses a corrupt header', () => {
    const bytes = Buffer.from(tar([{ path: 'package/a', body: 'x' }]));
    const raw = gunzipSync(bytes);
    raw[0] = raw[0]! + 1;
    expect(refusal(() => readTar(raw)).code).toBe('tar-invalid');
  });
});

describe('npm template specs', () => {
  it('tells npm specs apart', () => {
    expect(isNpmSpec('npm:@acme/templates')).toBe(true);
    expect(isPathSpec('npm:x')).toBe(false);
    expect(isNpmSpec('service')).toBe(false);
  });

  it('parses names, ranges and subfolders', () => {
    expect(parseNpmSpec('npm:@acme/templates@^2//service')).toEqual({ kind: 'registry', name: '@acme/templates', range: '^2', subpath: 'service' });
    expect(parseNpmSpec('npm:tpl')).toEqual({ kind: 'registry', name: 'tpl', range: undefined, subpath: '' });
    expect(parseNpmSpec('npm:tpl@1.2.3')).toMatchObject({ name: 'tpl', range: '1.2.3' });
    expect(parseNpmSpec('npm:@acme/t//a/b')).toMatchObject({ name: '@acme/t', range: undefined, subpath: 'a/b' });
    expect(parseNpmSpec('npm:file:/tmp/x/t-1.0.0.tgz//svc')).toEqual({ kind: 'file', path: '/tmp/x/t-1.0.0.tgz', range: undefined, subpath: 'svc' });
    expect(parseNpmSpec('npm:file:///tmp/t.tgz')).toMatchObject({ kind: 'file', path: '/tmp/t.tgz' });
    expect(npmSourceLabel(parseNpmSpec('npm:@acme/templates@^2//service'))).toBe('npm:@acme/templates//service');
    expect(npmSourceLabel(parseNpmSpec('npm:file:/tmp/t.tgz'))).toBe('npm:file:/tmp/t.tgz');
    expect(parseNpmSource('npm:@acme/templates//service')).toMatchObject({ name: '@acme/templates', subpath: 'service' });
  });

  it('refuses option-like names and ranges, .. and bad names', () => {
    expect(refusal(() => parseNpmSpec('npm:--registry=http://evil')).code).toBe('npm-option-injection');
    expect(refusal(() => parseNpmSpec('npm:tpl@--foo')).code).toBe('npm-option-injection');
    expect(refusal(() => parseNpmSpec('npm:tpl//../x')).code).toBe('npm-subpath');
    expect(refusal(() => parseNpmSpec('npm:Bad Name')).code).toBe('npm-name');
    expect(refusal(() => parseNpmSpec('npm:tpl@$(rm)')).code).toBe('npm-range');
    expect(refusal(() => parseNpmSpec('npm:file:relative.tgz')).code).toBe('npm-spec');
    expect(refusal(() => parseNpmSource('npm:tpl@1.0.0')).code).toBe('npm-source');
  });

  it('matches simple ranges (offline)', () => {
    const ok: Array<[string, string]> = [['1.2.3', '1.2.3'], ['1.4.0', '^1.2.3'], ['1.2.9', '~1.2.3'], ['1.9.9', '1.x'], ['1.9.9', '1'], ['0.2.5', '^0.2.1'], ['3.0.0', '*'], ['2.0.0', '^1 || ^2']];
    const no: Array<[string, string]> = [['2.0.0', '^1.2.3'], ['1.3.0', '~1.2.3'], ['0.3.0', '^0.2.1'], ['1.2.2', '^1.2.3'], ['1.0.0-beta.1', '^1.0.0'], ['1.0.0', '>=1']];
    for (const [v, r] of ok) expect(satisfies(v, r), `${v} ${r}`).toBe(true);
    for (const [v, r] of no) expect(satisfies(v, r), `${v} ${r}`).toBe(false);
  });

  it('reads PLATFORM_OFFLINE', () => {
    expect(isOffline({ PLATFORM_OFFLINE: '1' })).toBe(true);
    expect(isOffline({ PLATFORM_OFFLINE: '0' })).toBe(false);
    expect(isOffline({})).toBe(false);
  });
});
