/**
 * The journal records exactly the folders a write creates (parents first), from what the
 * staging pass already looked at: a rollback removes those and only those.
 */
import { describe, expect, it } from 'vitest';
import { applyWrites, type FileWrite } from '../../src/apply/apply.js';
import { failingFs, memoryFs } from '../helpers/memfs.js';
import type { Fs } from '../../src/core/fs.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const write = (path: string): FileWrite => ({ path, bytes: bytes(path), executable: false });

/** Records the journal's createdDirs when it is written. */
function journalSpy(inner: Fs): { fs: Fs; created: () => string[] | undefined } {
  let created: string[] | undefined;
  const fs = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'writeFile' || typeof value !== 'function') return value;
      return async (path: string, data: Uint8Array | string, ...rest: unknown[]) => {
        if (String(path).endsWith('.tmp') && String(path).includes('journal')) {
          created = (JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) as { createdDirs: string[] }).createdDirs;
        }
        return (value as (...a: unknown[]) => Promise<unknown>).call(target, path, data, ...rest);
      };
    },
  });
  return { fs, created: () => created };
}

describe('folders created by a write', () => {
  const writes = ['a/b/c/one.txt', 'a/two.txt', 'x/y/three.txt', 'a/b/d/four.txt', 'top.txt'].map(write);

  it('records exactly the missing ones, parents first, and not those already there', async () => {
    const { fs } = memoryFs({ '/repo/a/keep.txt': 'k', '/repo/x/y/keep.txt': 'k' });
    const spy = journalSpy(fs);
    await applyWrites(spy.fs, '/repo', writes, { pid: 1 });
    expect(spy.created()).toEqual(['a/b', 'a/b/c', 'a/b/d']);
  });

  it('records every folder under a new root', async () => {
    const { fs, vol } = memoryFs({ '/other.txt': 'x' });
    const spy = journalSpy(fs);
    await applyWrites(spy.fs, '/new', writes, { pid: 1 });
    expect(spy.created()).toEqual(['a', 'a/b', 'a/b/c', 'x', 'x/y', 'a/b/d']);
    expect(vol.readFileSync('/new/a/b/d/four.txt', 'utf8')).toBe('a/b/d/four.txt');
  });

  it('a rollback removes the folders it created and keeps those that were there', async () => {
    const { fs, vol } = memoryFs({ '/repo/a/keep.txt': 'k', '/repo/x/y/keep.txt': 'k' });
    const error = await applyWrites(failingFs(fs, 'rename', 4), '/repo', writes, { pid: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(Object.keys(vol.toJSON('/repo')).sort()).toEqual(['/repo/a/keep.txt', '/repo/x/y/keep.txt']);
  });

  it('a file in the way of a folder is not taken for a missing folder', async () => {
    const { fs, vol } = memoryFs({ '/repo/a/b': 'a file' });
    const error = await applyWrites(fs, '/repo', [write('a/b/c/one.txt')], { pid: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(vol.readFileSync('/repo/a/b', 'utf8')).toBe('a file');
  });
});
