import { diffArrays } from 'diff';
import { splitLines } from './lines.js';

export interface MergeLabels {
  ours: string;
  base: string;
  theirs: string;
}

export interface TextMergeResult {
  text: string;
  /** Number of conflict blocks; 0 is a clean merge. */
  conflicts: number;
}

/** Three-way merge of texts by lines. The CLI passes git's own (git merge-file); tests can pass diff3. */
export type TextMerger = (base: string, ours: string, theirs: string, labels: MergeLabels) => Promise<TextMergeResult>;

/** For each base line, its index in the other version when the line survived unchanged, else -1. */
function matchBaseLines(base: string[], other: string[]): number[] {
  const map = new Array<number>(base.length).fill(-1);
  let b = 0;
  let o = 0;
  for (const part of diffArrays(base, other)) {
    const n = part.value.length;
    if (part.added) o += n;
    else if (part.removed) b += n;
    else {
      for (let i = 0; i < n; i++) map[b + i] = o + i;
      b += n;
      o += n;
    }
  }
  return map;
}

const sameLines = (a: string[], b: string[]): boolean => a.length === b.length && a.every((line, i) => line === b[i]);

/**
 * The classic diff3 merge (Khanna, Kunal and Pierce): regions where base, ours and theirs all
 * agree are stable; between them, a side that did not change yields to the side that did, and
 * two different changes conflict. Used when git is not available.
 */
export function diff3Merge(baseText: string, oursText: string, theirsText: string, labels: MergeLabels): TextMergeResult {
  const base = splitLines(baseText);
  const ours = splitLines(oursText);
  const theirs = splitLines(theirsText);
  const inOurs = matchBaseLines(base, ours);
  const inTheirs = matchBaseLines(base, theirs);
  const out: string[] = [];
  let conflicts = 0;
  let b = 0;
  let o = 0;
  let t = 0;

  const emitChunk = (b1: number, o1: number, t1: number): void => {
    const baseChunk = base.slice(b, b1);
    const oursChunk = ours.slice(o, o1);
    const theirsChunk = theirs.slice(t, t1);
    if (sameLines(oursChunk, baseChunk)) out.push(...theirsChunk);
    else if (sameLines(theirsChunk, baseChunk) || sameLines(oursChunk, theirsChunk)) out.push(...oursChunk);
    else {
      conflicts++;
      const close = (lines: string[]): string[] => {
        const last = lines[lines.length - 1];
        return last !== undefined && !last.endsWith('\n') ? [...lines.slice(0, -1), `${last}\n`] : lines;
      };
      out.push(`<<<<<<< ${labels.ours}\n`, ...close(oursChunk), '=======\n', ...close(theirsChunk), `>>>>>>> ${labels.theirs}\n`);
    }
  };

  while (b < base.length || o < ours.length || t < theirs.length) {
    // Find the next base line kept by both sides in order: the start of a stable region.
    let next = b;
    while (next < base.length && !(inOurs[next]! >= o && inTheirs[next]! >= t)) next++;
    if (next >= base.length) {
      if (b < base.length || o < ours.length || t < theirs.length) emitChunk(base.length, ours.length, theirs.length);
      break;
    }
    const o1 = inOurs[next]!;
    const t1 = inTheirs[next]!;
    if (next > b || o1 > o || t1 > t) emitChunk(next, o1, t1);
    // Copy the stable run.
    b = next;
    o = o1;
    t = t1;
    while (b < base.length && inOurs[b] === o && inTheirs[b] === t) {
      out.push(base[b]!);
      b++;
      o++;
      t++;
    }
  }
  return { text: out.join(''), conflicts };
}

export const diff3Merger: TextMerger = async (base, ours, theirs, labels) => diff3Merge(base, ours, theirs, labels);
