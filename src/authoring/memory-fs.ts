/**
 * A small in-memory file system behind the core's Fs interface, so `platform template test`
 * can create and upgrade throw-away repositories without touching the disk (or needing git).
 */
import { posix } from 'node:path';
import type { DirEntry, FileStat, Fs } from '../core/fs.js';

type MemoryNode = { kind: 'file'; bytes: Uint8Array; mode: number } | { kind: 'dir'; mode: number };

const encoder = new TextEncoder();

function fsError(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

export class MemoryFs implements Fs {
  private readonly nodes = new Map<string, MemoryNode>([['/', { kind: 'dir', mode: 0o755 }]]);

  private key(path: string): string {
    const normal = posix.normalize(posix.resolve('/', path));
    return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
  }

  private node(path: string, syscall: string): MemoryNode {
    const key = this.key(path);
    const found = this.nodes.get(key);
    if (found) return found;
    const parent = this.nodes.get(posix.dirname(key));
    throw fsError(parent && parent.kind === 'file' ? 'ENOTDIR' : 'ENOENT', syscall, path);
  }

  private parentDir(path: string, syscall: string): void {
    const parent = this.nodes.get(posix.dirname(this.key(path)));
    if (!parent) throw fsError('ENOENT', syscall, path);
    if (parent.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
  }

  private descendants(key: string): string[] {
    const prefix = key === '/' ? '/' : `${key}/`;
    return [...this.nodes.keys()].filter((k) => k.startsWith(prefix) && k !== key);
  }

  async readFile(path: string): Promise<Uint8Array> {
    const node = this.node(path, 'open');
    if (node.kind !== 'file') throw fsError('EISDIR', 'read', path);
    return node.bytes.slice();
  }

  async writeFile(path: string, data: Uint8Array | string, options?: { mode?: number; flag?: string }): Promise<void> {
    this.parentDir(path, 'open');
    const key = this.key(path);
    const existing = this.nodes.get(key);
    if (existing?.kind === 'dir') throw fsError('EISDIR', 'open', path);
    if (existing && options?.flag?.includes('x')) throw fsError('EEXIST', 'open', path);
    const bytes = typeof data === 'string' ? encoder.encode(data) : data.slice();
    this.nodes.set(key, { kind: 'file', bytes, mode: existing?.mode ?? options?.mode ?? 0o644 });
  }

  async mkdir(path: string, _options: { recursive: true }): Promise<unknown> {
    const key = this.key(path);
    const segments = key.split('/').filter(Boolean);
    let current = '';
    for (const segment of segments) {
      current = `${current}/${segment}`;
      const node = this.nodes.get(current);
      if (!node) this.nodes.set(current, { kind: 'dir', mode: 0o755 });
      else if (node.kind !== 'dir') throw fsError(current === key ? 'EEXIST' : 'ENOTDIR', 'mkdir', path);
    }
    return undefined;
  }

  async readdir(path: string, _options: { withFileTypes: true }): Promise<DirEntry[]> {
    const node = this.node(path, 'scandir');
    if (node.kind !== 'dir') throw fsError('ENOTDIR', 'scandir', path);
    const key = this.key(path);
    return this.descendants(key)
      .filter((k) => posix.dirname(k) === key)
      .sort()
      .map((k) => {
        const child = this.nodes.get(k)!;
        return { name: posix.basename(k), isFile: () => child.kind === 'file', isDirectory: () => child.kind === 'dir', isSymbolicLink: () => false };
      });
  }

  /** No symbolic links here: stat is lstat. */
  async stat(path: string): Promise<FileStat> {
    return this.lstat(path);
  }

  async lstat(path: string): Promise<FileStat> {
    const node = this.node(path, 'lstat');
    return {
      isFile: () => node.kind === 'file',
      isDirectory: () => node.kind === 'dir',
      isSymbolicLink: () => false,
      mode: (node.kind === 'file' ? 0o100000 : 0o040000) | node.mode,
      size: node.kind === 'file' ? node.bytes.length : 0,
    };
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.node(from, 'rename');
    this.parentDir(to, 'rename');
    const fromKey = this.key(from);
    const toKey = this.key(to);
    if (fromKey === toKey) return;
    const existing = this.nodes.get(toKey);
    if (existing?.kind === 'dir' && (source.kind !== 'dir' || this.descendants(toKey).length > 0)) throw fsError('ENOTEMPTY', 'rename', to);
    const moved = [fromKey, ...this.descendants(fromKey)];
    const entries = moved.map((k) => [k, this.nodes.get(k)!] as const);
    for (const k of moved) this.nodes.delete(k);
    for (const [k, node] of entries) this.nodes.set(toKey + k.slice(fromKey.length), node);
  }

  async rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> {
    const key = this.key(path);
    const node = this.nodes.get(key);
    if (!node) {
      if (options?.force) return;
      throw fsError('ENOENT', 'rm', path);
    }
    if (node.kind === 'dir' && !options?.recursive) throw fsError('EISDIR', 'rm', path);
    for (const k of this.descendants(key)) this.nodes.delete(k);
    if (key !== '/') this.nodes.delete(key);
  }

  async rmdir(path: string): Promise<void> {
    const node = this.node(path, 'rmdir');
    const key = this.key(path);
    if (node.kind !== 'dir') throw fsError('ENOTDIR', 'rmdir', path);
    if (this.descendants(key).length > 0) throw fsError('ENOTEMPTY', 'rmdir', path);
    this.nodes.delete(key);
  }

  async chmod(path: string, mode: number): Promise<void> {
    const node = this.node(path, 'chmod');
    node.mode = mode & 0o7777;
  }
}
