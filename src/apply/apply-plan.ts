import type { Fs } from '../core/fs.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import { writes, type Plan } from '../plan/plan.js';
import { applyWrites, type ApplyOptions, type FileWrite } from './apply.js';

const encoder = new TextEncoder();

/** Writes a plan: its file operations, then the lockfile last, all or nothing. */
export async function applyPlan(fs: Fs, plan: Pick<Plan, 'root' | 'operations' | 'lockText'>, options: ApplyOptions): Promise<void> {
  const fileWrites: FileWrite[] = [];
  for (const op of plan.operations) {
    if (writes(op)) fileWrites.push({ path: op.path, bytes: op.bytes, executable: op.executable });
    else if (op.kind === 'delete') fileWrites.push({ path: op.path, remove: true });
  }
  fileWrites.push({ path: LOCKFILE_NAME, bytes: encoder.encode(plan.lockText), executable: false });
  await applyWrites(fs, plan.root, fileWrites, options);
}
