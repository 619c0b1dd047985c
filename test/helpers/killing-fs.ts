/**
 * A process killed in the middle of a run (SIGKILL, SIGTERM, power loss), in-process: an Fs
 * that lets the first `killBefore - 1` mutating calls through and, at mutating call number
 * `killBefore`, throws KilledError instead of making it. From then on it refuses every call,
 * reads included, so nothing the code does afterwards (a catch block's rollback, a cleanup in a
 * finally) reaches the disk: the disk stays exactly as the kill left it, and `run()` returns
 * instead of hanging, so the next run can start at once.
 *
 * "Mutating" is what test/e2e/fixtures/kill-after.cjs counts in a real process: writeFile,
 * mkdir, rename, rm, rmdir and chmod. An `rm -r` of a folder is not atomic on a real disk (it
 * removes the entries one by one, then the folder), so here it is one call per entry and one
 * for each folder: a kill can land between any two of them.
 */
import { posix } from 'node:path';
import type { Fs } from '../../src/core/fs.js';

export const MUTATING: ReadonlySet<keyof Fs> = new Set<keyof Fs>(['writeFile', 'mkdir', 'rename', 'rm', 'rmdir', 'chmod']);

/** What every call of a killed Fs throws: not an errno, so no code path mistakes it for one. */
export class KilledError extends Error {
  constructor(readonly call: string) {
    super(`killed (simulated) at ${call}`);
    this.name = 'KilledError';
  }
}

export interface KillingFs {
  fs: Fs;
  /** Mutating calls made so far (those let through, plus the one the kill stopped). */
  calls(): number;
  /** Whether the kill happened. */
  killed(): boolean;
}

/** `killBefore` = Infinity only counts: a clean run, to learn how many kill points there are. */
export function killingFs(inner: Fs, killBefore: number): KillingFs {
  let calls = 0;
  let dead = false;
  /** Counts one mutating call; throws if it is the one the kill stops (or comes after it). */
  const step = (call: string): void => {
    if (dead) throw new KilledError(`${call}, after the kill`);
    if (++calls >= killBefore) {
      dead = true;
      throw new KilledError(call);
    }
  };
  /** `rm -r` of a folder as a real disk does it: each entry in turn, then the folder. */
  const removeTree = async (path: string): Promise<void> => {
    for (const entry of await inner.readdir(path, { withFileTypes: true })) {
      const full = posix.join(path, entry.name);
      if (entry.isDirectory()) await removeTree(full);
      else {
        step(`rm(${full}), part of rm -r`);
        await inner.rm(full);
      }
    }
    step(`rmdir(${path}), part of rm -r`);
    await inner.rmdir(path);
  };
  const fs = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const call = `${String(prop)}(${args.filter((a) => typeof a === 'string').join(', ')})`;
        if (dead) throw new KilledError(`${call}, after the kill`);
        if (prop === 'rm' && (args[1] as { recursive?: boolean } | undefined)?.recursive) {
          const stat = await inner.lstat(args[0] as string).catch(() => undefined);
          if (stat?.isDirectory()) return removeTree(args[0] as string);
        }
        if (MUTATING.has(prop as keyof Fs)) step(call);
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return { fs, calls: () => calls, killed: () => dead };
}
