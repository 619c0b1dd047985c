/**
 * The one file-system interface the core uses. Real runs pass node:fs; tests pass memfs.
 * Paths are absolute POSIX-style paths of the host.
 */
export interface FileStat {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  /** node:fs and memfs have these; an in-memory Fs without FIFOs or devices may leave them out. */
  isFIFO?(): boolean;
  isSocket?(): boolean;
  isBlockDevice?(): boolean;
  isCharacterDevice?(): boolean;
  mode: number;
  size: number;
  /** Last modification, ms since the epoch (node:fs and memfs set it; only ever compared). */
  mtimeMs?: number;
}

export interface DirEntry {
  name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface Fs {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string, options?: { mode?: number; flag?: string }): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string, options: { withFileTypes: true }): Promise<DirEntry[]>;
  lstat(path: string): Promise<FileStat>;
  /** Follows symbolic links (lstat does not). */
  stat(path: string): Promise<FileStat>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rmdir(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
}

export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'ENOENT';
}

/** lstat that answers undefined for a missing path instead of throwing. */
export async function statOrUndefined(fs: Fs, path: string): Promise<FileStat | undefined> {
  try {
    return await fs.lstat(path);
  } catch (error) {
    if (isNotFound(error) || (error as { code?: string }).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

export async function readFileOrUndefined(fs: Fs, path: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (isNotFound(error) || (error as { code?: string }).code === 'ENOTDIR') return undefined;
    throw error;
  }
}
