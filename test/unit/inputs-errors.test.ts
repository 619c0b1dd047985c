/**
 * SECURITY.md (class 9 of issue 11): ordinary failures are ordinary errors with a code, a hint and
 * a documented exit code — never "unexpected error, this is a bug".
 */
import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ExitCode, PlatformError } from '../../src/core/errors.js';
import { asFsError } from '../../src/core/fs-errors.js';
import { parseSetFlags } from '../../src/answers/file.js';
import { MAX_UNPACKED, readTar } from '../../src/sources/tar.js';
import { thrownPlatformError } from '../helpers/in-process.js';


/** A minimal ustar archive of regular files and folders. */
function tar(entries: Array<{ path: string; type?: string; body?: string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    h.write(e.path, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write(e.type ?? '0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    h.fill(' ', 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A gzip stream of `size` zero bytes, made chunk by chunk (never held inflated in memory). */
async function gzipBomb(size: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const chunk = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += chunk.length) {
    if (!gzip.write(chunk)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}

describe('fs errors', () => {
  it.each([
    ['ENAMETOOLONG', 'name-too-long', ExitCode.usage, /name is too long/],
    ['EISDIR', 'is-a-directory', ExitCode.usage, /folder is where a file was expected/],
    ['ENOTDIR', 'not-a-directory', ExitCode.usage, /file is where a folder was expected/],
    ['ELOOP', 'symlink-loop', ExitCode.unsafe, /symbolic link/],
    ['ENOSPC', 'write-failed', ExitCode.unexpected, /disk is full/],
    ['EROFS', 'write-failed', ExitCode.unexpected, /read-only/],
  ])('%s becomes %s (exit %i) with the path and a hint', (errno, code, exitCode, message) => {
    const mapped = asFsError(Object.assign(new Error(`${errno}: x`), { code: errno, path: '/w/some/file' }), 'Writing');
    expect(mapped).toBeInstanceOf(PlatformError);
    const e = mapped as PlatformError;
    expect(e).toMatchObject({ code, exitCode });
    expect(e.message).toMatch(message);
    expect(e.message).toContain('/w/some/file');
    expect(e.hint).toBeTruthy();
  });

  it('leaves unknown errors and PlatformErrors as they are', () => {
    const odd = Object.assign(new Error('odd'), { code: 'EWHATEVER' });
    expect(asFsError(odd)).toBe(odd);
    const own = new PlatformError('x', ExitCode.usage, 'x');
    expect(asFsError(own)).toBe(own);
    expect(asFsError(Object.assign(new Error('p'), { code: 'toString' }))).toBeInstanceOf(Error);
  });
});

describe('--set', () => {
  it.each(['__proto__=x', 'constructor=x', 'prototype=x', ' =x'])('refuses %j with exit 2', (pair) => {
    const e = thrownPlatformError(() => parseSetFlags([pair]));
    expect(e).toMatchObject({ code: 'set-reserved', exitCode: ExitCode.usage });
  });
});

describe('npm tarballs', () => {
  it('refuse a duplicate entry', () => {
    const e = thrownPlatformError(() => readTar(tar([{ path: 'package/a.txt', body: 'good' }, { path: 'package/a.txt', body: 'evil' }])));
    expect(e).toMatchObject({ code: 'tar-duplicate', exitCode: ExitCode.unsafe });
    expect(e.message).toContain('a.txt');
  });

  it('refuse the same path in another case, and a file where a folder was', () => {
    expect(thrownPlatformError(() => readTar(tar([{ path: 'package/README.md' }, { path: 'package/readme.md' }]))).code).toBe('tar-duplicate');
    expect(thrownPlatformError(() => readTar(tar([{ path: 'package/x/y' }, { path: 'package/x' }]))).code).toBe('tar-duplicate');
    expect(readTar(tar([{ path: 'package/x/', type: '5' }, { path: 'package/x/y' }, { path: 'package/x/z' }])).map((e) => e.path)).toEqual(['x', 'x/y', 'x/z']);
  });

  it('stop a gzip bomb at the unpacked size limit', async () => {
    const bomb = await gzipBomb(MAX_UNPACKED + 1024 * 1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const e = thrownPlatformError(() => readTar(bomb));
    expect(e).toMatchObject({ code: 'tar-too-large', exitCode: ExitCode.unsafe });
  }, 120_000);

  it('refuse corrupt gzip as an invalid tarball', () => {
    const good = tar([{ path: 'package/a' }]);
    expect(thrownPlatformError(() => readTar(Buffer.concat([good.subarray(0, 20), Buffer.alloc(50, 7)]))).code).toBe('tar-invalid');
  });
});
