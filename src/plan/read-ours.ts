import type { Fs } from '../core/fs.js';
import { checkedTarget, type PathOrigin } from '../core/target.js';
import type { DiskFile } from './plan.js';

/**
 * The disk side of the merge: each path (rendered or recorded) as it is now, read through
 * checkedTarget, or as `known` holds it (read through it earlier in the same run).
 */
export async function readOurs(fs: Fs, root: string, paths: Iterable<string>, origin: PathOrigin = { what: 'the rendered template' }, known?: ReadonlyMap<string, DiskFile | undefined>): Promise<Map<string, DiskFile | undefined>> {
  const ours = new Map<string, DiskFile | undefined>();
  for (const path of paths) {
    if (known?.has(path)) {
      ours.set(path, known.get(path));
      continue;
    }
    const target = await checkedTarget(fs, root, path, origin);
    ours.set(path, target.stat ? { bytes: await fs.readFile(target.full), executable: (target.stat.mode & 0o111) !== 0 } : undefined);
  }
  return ours;
}
