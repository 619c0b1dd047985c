/**
 * Simulates a process killed while it removes its staging folder: `rm -r` is not atomic, it
 * deletes the folder's entries one by one in the order the directory lists them (which the
 * file system chooses). After `removals` entries are gone, every later call never settles.
 */
import { posix } from 'node:path';
import type { Fs } from '../../src/core/fs.js';

export function stagingRmFreezer(
  inner: Fs,
  staging: string,
  removals: number,
  order: (names: string[]) => string[],
): { fs: Fs; killed: Promise<void> } {
  let frozen = false;
  let signal: () => void = () => undefined;
  const killed = new Promise<void>((resolve) => {
    signal = resolve;
  });
  const never = () => new Promise<never>(() => undefined);
  const fs = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (frozen) return never();
        if (prop === 'rm' && args[0] === staging && (args[1] as { recursive?: boolean } | undefined)?.recursive) {
          const names = (await inner.readdir(staging, { withFileTypes: true })).map((e) => e.name);
          let removed = 0;
          for (const name of order(names)) {
            if (removed === removals) break;
            await inner.rm(posix.join(staging, name), { recursive: true, force: true });
            removed++;
          }
          frozen = true;
          signal();
          return never();
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return { fs, killed };
}
