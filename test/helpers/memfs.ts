import { Volume, createFsFromVolume } from 'memfs';
import type { Fs } from '../../src/core/fs.js';

/** A memfs volume behind the core's Fs interface, seeded from a path -> content map. */
export function memoryFs(files: Record<string, string | Uint8Array> = {}): { fs: Fs; vol: InstanceType<typeof Volume> } {
  const vol = Volume.fromJSON({});
  for (const [path, content] of Object.entries(files)) {
    vol.mkdirSync(path.slice(0, path.lastIndexOf('/')) || '/', { recursive: true });
    vol.writeFileSync(path, content);
  }
  const promises = createFsFromVolume(vol).promises as unknown as Fs;
  return { fs: promises, vol };
}

/** Wraps an Fs so that the nth call of one method fails with the given errno code. */
export function failingFs(inner: Fs, method: keyof Fs, failOnCall: number, code = 'ENOSPC'): Fs {
  let calls = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== method || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls++;
        if (calls === failOnCall) {
          throw Object.assign(new Error(`${code}: simulated failure, ${String(method)} '${String(args[0])}'`), { code, path: args[0] });
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

const decoder = new TextDecoder();
export function text(bytes: Uint8Array | undefined): string {
  return bytes ? decoder.decode(bytes) : '';
}

/**
 * Simulates a process killed after `allowed` mutating calls (SIGKILL, power loss): every later
 * call never settles, so nothing after that point reaches the disk.
 */
export function freezingFs(inner: Fs, allowed: number): { fs: Fs; calls: () => number } {
  let calls = 0;
  const mutating = new Set<keyof Fs>(['writeFile', 'mkdir', 'rename', 'rm', 'rmdir', 'chmod']);
  const fs = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || !mutating.has(prop as keyof Fs)) return value;
      return (...args: unknown[]) => {
        calls++;
        if (calls > allowed) return new Promise(() => undefined);
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return { fs, calls: () => calls };
}
