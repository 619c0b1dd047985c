import type { FileOperation } from '../plan/plan.js';
import { shellQuote } from './open-conflicts.js';

type Conflict = Extract<FileOperation, { kind: 'conflict' }>;

/**
 * How to finish one conflict, as commands: take the template's side, keep yours, or edit.
 * inGit: the three versions are in git's index (so `git checkout --theirs/--ours` works).
 */
export function howToFinish(op: Conflict, inGit: boolean): string[] {
  const file = shellQuote(op.path);
  const lines: string[] = [];
  const side = op.side;
  if (side && side.holds === 'theirs') {
    const beside = shellQuote(side.path);
    lines.push(`${op.path}: yours is unchanged; the template's version is in ${side.path}`);
    lines.push(`  take the template's:  mv ${beside} ${file}`);
    lines.push(`  keep yours:           rm ${beside}`);
  } else if (side) {
    const beside = shellQuote(side.path);
    lines.push(`${op.path}: yours is unchanged; ${side.path} holds the conflict (the template's side after =======)`);
    lines.push(`  take the template's changes: copy them from ${side.path} into ${op.path}, then rm ${beside}`);
    lines.push(`  keep yours:                  rm ${beside}`);
  } else if (inGit) {
    lines.push(`${op.path}: edit the <<<<<<< ======= >>>>>>> blocks, or take one side whole:`);
    lines.push(`  take the template's:  git checkout --theirs -- ${file}`);
    lines.push(`  keep yours:           git checkout --ours -- ${file}`);
  } else {
    lines.push(`${op.path}: edit the <<<<<<< ======= >>>>>>> blocks: keep the lines after ======= (the template's) or before it (yours), and delete the marker lines`);
  }
  if (inGit) lines.push(`  then:                 git add ${file}`);
  return lines;
}
