import * as fs from 'node:fs';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UnsafeError } from '../core/errors.js';

/** One entry of a package tarball: a regular file or a folder, its path without the leading `package/`. */
export interface TarEntry {
  path: string;
  kind: 'file' | 'dir';
  mode: number;
  data: Uint8Array;
}

/** Unpacked size limit: a template is small; a tarball that inflates past this is refused. */
export const MAX_UNPACKED = 256 * 1024 * 1024;

const HINT = 'A template package holds regular files and folders only, under package/.';

function text(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
}

function octal(block: Uint8Array, start: number, length: number, what: string): number {
  if ((block[start]! & 0x80) !== 0) throw new UnsafeError('tar-invalid', `The tarball's ${what} field uses a binary number; it is refused.`, { hint: HINT });
  const raw = text(block, start, length).replace(/\0/g, '').trim();
  if (raw === '') return 0;
  if (!/^[0-7]+$/.test(raw)) throw new UnsafeError('tar-invalid', `The tarball has a malformed ${what} field ("${raw}").`, { hint: HINT });
  return parseInt(raw, 8);
}

/** PAX extended header records (`LEN key=value\n`). */
function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const body = Buffer.from(data).toString('utf8');
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(' ', i);
    if (space < 0) break;
    const length = parseInt(body.slice(i, space), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = body.slice(space + 1, i + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += length;
  }
  return out;
}

/**
 * The entries of an npm package tarball (.tgz, or a plain .tar), checked: regular files and
 * folders only (no symlinks, hard links or devices), no absolute paths and no `..`. The first
 * path component (`package/`) is stripped, as npm does.
 */
export function readTar(input: Uint8Array): TarEntry[] {
  const tar = input[0] === 0x1f && input[1] === 0x8b ? inflate(input) : input;
  if (tar.length > MAX_UNPACKED) throw tooLarge();
  const entries: TarEntry[] = [];
  // Path (and its case-folded twin: macOS and Windows would write both to one file) -> kind.
  const seen = new Map<string, 'file' | 'dir'>();
  let offset = 0;
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const checksum = octal(header, 148, 8, 'checksum');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (sum !== checksum) throw new UnsafeError('tar-invalid', `The tarball has a corrupt header at byte ${offset}.`, { hint: HINT });
    const size = octal(header, 124, 12, 'size');
    const type = String.fromCharCode(header[156]!);
    const start = offset + 512;
    if (start + size > tar.length) throw new UnsafeError('tar-invalid', 'The tarball is truncated.', { hint: HINT });
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / 512) * 512;

    if (type === 'x') { pax = paxRecords(data); continue; }
    if (type === 'g') continue;
    if (type === 'L') { longName = text(data, 0, data.length); continue; }

    const prefix = Buffer.from(header.subarray(257, 263)).toString('latin1').startsWith('ustar') ? text(header, 345, 155) : '';
    const name = pax?.get('path') ?? longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    pax = undefined;
    longName = undefined;

    const kind = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'dir' : undefined;
    if (!kind) {
      const what = type === '2' ? 'a symbolic link' : type === '1' ? 'a hard link' : type === '3' || type === '4' ? 'a device' : type === '6' ? 'a FIFO' : `an entry of type "${type}"`;
      throw new UnsafeError('tar-entry-refused', `The tarball's entry ${name} is ${what}; only regular files and folders are unpacked.`, { hint: HINT });
    }
    const path = checkPath(name);
    if (path === undefined) continue;
    checkUnique(path, kind, seen);
    entries.push({ path, kind, mode: octal(header, 100, 8, 'mode'), data: kind === 'file' ? data : new Uint8Array() });
  }
  return entries;
}

/** gunzip, stopping at MAX_UNPACKED (a gzip bomb inflates a few KB into gigabytes). */
function inflate(input: Uint8Array): Uint8Array {
  try {
    return gunzipSync(input, { maxOutputLength: MAX_UNPACKED });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new UnsafeError('tar-invalid', `The tarball is not valid gzip (${(error as Error).message}).`, { hint: HINT });
  }
}

function tooLarge(): UnsafeError {
  return new UnsafeError('tar-too-large', `The tarball unpacks to more than ${MAX_UNPACKED / 1024 / 1024} MiB; it is refused.`, {
    hint: 'A template package holds text files; check that the source is the package you meant.',
  });
}

/**
 * An archive names each path once: a second entry of the same path (or of the same path in
 * another case, one file on macOS and Windows) would silently replace the first one checked.
 */
function checkUnique(path: string, kind: 'file' | 'dir', seen: Map<string, 'file' | 'dir'>): void {
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/').toLowerCase();
    const before = seen.get(prefix);
    const here = i === parts.length ? kind : 'dir';
    if (before !== undefined && (before === 'file' || here === 'file')) {
      throw new UnsafeError('tar-duplicate', `The tarball holds ${parts.slice(0, i).join('/')} twice (or in two spellings of case, or as a file and a folder); it is refused.`, { hint: HINT });
    }
    if (before === undefined) seen.set(prefix, here);
  }
}

/** The entry's path without its first component; undefined for that component itself. */
function checkPath(name: string): string | undefined {
  if (name.includes('\0') || name.includes('\\')) throw new UnsafeError('tar-path', `The tarball's entry "${name}" holds a backslash or NUL.`, { hint: HINT });
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new UnsafeError('tar-path', `The tarball's entry "${name}" is an absolute path.`, { hint: HINT });
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeError('tar-path', `The tarball's entry "${name}" leaves the package (..).`, { hint: HINT });
  const rest = parts.slice(1);
  return rest.length === 0 ? undefined : posix.join(...rest);
}

/** Writes checked entries under dir (which must exist and be empty). */
export function writeEntries(entries: TarEntry[], dir: string): void {
  for (const entry of entries) {
    const target = join(dir, ...entry.path.split('/'));
    if (entry.kind === 'dir') {
      fs.mkdirSync(target, { recursive: true });
      continue;
    }
    fs.mkdirSync(join(target, '..'), { recursive: true });
    // 'wx': never through something already there (a second entry of the same path is refused).
    fs.writeFileSync(target, entry.data, { flag: 'wx', mode: entry.mode & 0o111 ? 0o755 : 0o644 });
  }
}
