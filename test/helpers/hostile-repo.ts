/**
 * Hostile repositories on memfs: a small `dir:` template in two versions, a repository created
 * at the first, and the platform CLI run in-process against it (no spawned CLI, no real disk).
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { FileStat, Fs } from '../../src/core/fs.js';
import { memoryFs } from './memfs.js';
import { runInProcess, type InProcessResult } from './in-process.js';

export const ROOT = '/work/repo';
export const OUTSIDE = '/work/outside';
export const TEMPLATES = '/tpl';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What version 1.0.0 wrote into the repository. */
export const WRITTEN: Record<string, string> = { 'README.md': '# svc\n', 'src/app.txt': 'app v1\n' };

/** The lockfile text for a repository holding these files (any keys: that is the point). */
export function lockText(files: Record<string, string> = WRITTEN, extra: Record<string, unknown> = {}): string {
  const locked = Object.fromEntries(Object.entries(files).map(([path, text]) => [path, { policy: 'merge', sha256: sha(text) }]));
  return stringify({ schemaVersion: 1, templates: [{ name: 'svc', version: '1.0.0', source: `dir:${TEMPLATES}`, answers: {}, files: locked, ...extra }] });
}

/** A template folder per version; 1.1.0 changes the app file and renames it. */
export function templateSeed(renameTo = 'src/main.txt'): Record<string, string> {
  return {
    [`${TEMPLATES}/1.0.0/template.yaml`]: 'name: svc\nversion: 1.0.0\n',
    [`${TEMPLATES}/1.0.0/files/README.md`]: WRITTEN['README.md']!,
    [`${TEMPLATES}/1.0.0/files/src/app.txt`]: WRITTEN['src/app.txt']!,
    [`${TEMPLATES}/1.1.0/template.yaml`]: `name: svc\nversion: 1.1.0\nrenames:\n  - from: src/app.txt\n    to: ${JSON.stringify(renameTo)}\n`,
    [`${TEMPLATES}/1.1.0/files/README.md`]: '# svc\n\nv1.1\n',
    [`${TEMPLATES}/1.1.0/files/src/main.txt`]: 'app v2\n',
  };
}

/** A repository at 1.0.0 beside an "outside" folder that nothing may touch. */
export function hostileRepo(lock = lockText(), extra: Record<string, string> = {}) {
  return memoryFs({
    ...templateSeed(),
    [`${ROOT}/.platform.yaml`]: lock,
    ...Object.fromEntries(Object.entries(WRITTEN).map(([path, text]) => [`${ROOT}/${path}`, text])),
    [`${OUTSIDE}/secret.txt`]: 'outside\n',
    [`${OUTSIDE}/x`]: 'outside x\n',
    ...extra,
  });
}

export type Result = InProcessResult;

/** `platform ARGS` in-process on fs, in cwd (offline: no source is fetched). */
export function platform(fs: Fs, args: string[], cwd = ROOT): Promise<Result> {
  return runInProcess(fs, args, { cwd, env: { PLATFORM_OFFLINE: '1' } });
}

export const show = (r: Result): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** memfs has no FIFOs or devices: this Fs answers lstat for `path` as one (mode bits of the type). */
export function withSpecialFile(inner: Fs, path: string, type = 0o010000): Fs {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'lstat') {
        return async (p: string): Promise<FileStat> => {
          if (p !== path) return inner.lstat(p);
          return { isFile: () => false, isDirectory: () => false, isSymbolicLink: () => false, mode: type | 0o644, size: 0 };
        };
      }
      if (prop === 'readFile') {
        return async (p: string) => {
          // Reading a FIFO blocks forever: the test fails by timeout if anything tries.
          if (p === path) return new Promise(() => undefined);
          return inner.readFile(p);
        };
      }
      return value;
    },
  });
}
