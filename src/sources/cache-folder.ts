import * as fs from 'node:fs';

/**
 * Puts a fully written temporary folder in its place in the cache, by rename (so a cache
 * folder is never half there). If another run placed it first, theirs is kept and ours goes.
 */
export function moveIntoCache(temp: string, dir: string): void {
  try {
    fs.renameSync(temp, dir);
  } catch (error) {
    if (!fs.existsSync(dir)) throw error;
    fs.rmSync(temp, { recursive: true, force: true });
  }
}
