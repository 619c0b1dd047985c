import type { MergeLabels, TextMergeResult, TextMerger } from './text.js';

/**
 * git's line merge handed in instead of run: the merge driver's shell line runs
 * `git merge-file -p` beside Node's start and pipes its output, then a line with its exit status,
 * into `platform merge-file --line-merge -` (src/cli/merge-driver.ts). Waiting for git costs a
 * driver's run about 4 ms (node:child_process, the spawn, git itself); run beside Node's start it
 * costs nothing. It is only a head start: anything unexpected and merge-file runs git itself.
 */

/** Why a line merge handed in cannot be used, for the warning. */
export interface Unusable {
  unusable: string;
}

/** The three texts git was given: the driver's %A %O %B as merge-file read them. */
export interface LineMergeSides {
  base: string;
  ours: string;
  theirs: string;
}

/** What the driver's shell line writes after git's output: a newline, git's exit status, a newline. */
const STATUS_LINE = /^(?:0|[1-9][0-9]{0,2})$/;
// ignoreBOM: a byte order mark git wrote stays in the text, as in the output git merge-file prints.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * git merge-file -p's output from `OUTPUT "\n" STATUS "\n"`, or why that is not what arrived: no
 * status line, a status git gives on failure (above 127: an error or a signal), or bytes that are
 * not UTF-8 (git's output of three UTF-8 texts is).
 */
export function parseLineMergeInput(bytes: Uint8Array): TextMergeResult | Unusable {
  let raw: string;
  try {
    raw = decoder.decode(bytes);
  } catch {
    return { unusable: 'it is not UTF-8 text' };
  }
  const body = raw.endsWith('\n') ? raw.slice(0, -1) : undefined;
  const cut = body?.lastIndexOf('\n') ?? -1;
  const status = body?.slice(cut + 1) ?? '';
  if (body === undefined || cut === -1 || !STATUS_LINE.test(status)) return { unusable: 'it does not end with a line holding git merge-file\'s exit status' };
  const conflicts = Number(status);
  if (conflicts > 127) return { unusable: `git merge-file exited with status ${conflicts}` };
  return { text: body.slice(0, cut), conflicts };
}

/**
 * The most bytes git's output of `sides` can take, with its status line: every line of the three
 * files at most once, and per conflict block (at most one per base line, and one more) its four
 * marker lines (diff3 style included) with their labels (UTF-8: 3 bytes a unit at most). Past
 * that, stdin is not git's output.
 */
export function lineMergeLimit(sides: { base: Uint8Array; ours: Uint8Array; theirs: Uint8Array }, labels: MergeLabels): number {
  let baseLines = 1;
  for (let at = sides.base.indexOf(0x0a); at !== -1; at = sides.base.indexOf(0x0a, at + 1)) baseLines++;
  const markers = 4 * 10 + 3 * (labels.ours.length + labels.base.length + labels.theirs.length);
  return sides.base.length + sides.ours.length + sides.theirs.length + (baseLines + 1) * markers + 64;
}

/**
 * A TextMerger that answers the merge of exactly `sides` (with `labels`, the ones the driver gave
 * git) from `given`, and any other merge (texts rewritten to the local line endings, say), or all
 * of them when what was given is unusable, from `fallback(why)` (loaded on first use: git spawned).
 */
export function lineMergeGiven(given: TextMergeResult | Unusable, sides: LineMergeSides, labels: MergeLabels, fallback: (unusable?: string) => Promise<TextMerger>): TextMerger {
  const unusable = 'unusable' in given ? given.unusable : markersDisagree(given, sides, labels);
  let loaded: Promise<TextMerger> | undefined;
  return async (base, ours, theirs, asked) => {
    const same = base === sides.base && ours === sides.ours && theirs === sides.theirs && asked.ours === labels.ours && asked.base === labels.base && asked.theirs === labels.theirs;
    if (same && unusable === undefined) return given as TextMergeResult;
    loaded ??= fallback(unusable);
    return (await loaded)(base, ours, theirs, asked);
  };
}

/**
 * Why `given` cannot be git's merge of `sides` with `labels`, or undefined: conflicts claimed but
 * no markers with these labels (the shell's 126 or 127 for a git it could not run, other labels),
 * or a clean merge holding an opening marker neither side has (a status lost on the way).
 */
function markersDisagree(given: TextMergeResult, sides: LineMergeSides, labels: MergeLabels): string | undefined {
  // git writes `<<<<<<< LABEL`, with the space even for an empty label.
  const marker = (sign: string, label: string) => `${sign.repeat(7)} ${label}`;
  if (given.conflicts > 0) {
    if (hasLine(given.text, marker('<', labels.ours)) && hasLine(given.text, marker('>', labels.theirs))) return undefined;
    return `status ${given.conflicts} claims conflicts, but no conflict markers labelled ${labels.ours} and ${labels.theirs} are in it`;
  }
  for (const [line] of given.text.matchAll(/^<{7}(?: [^\r\n]*)?(?=\r?$)/gm)) {
    if (!hasLine(sides.ours, line) && !hasLine(sides.theirs, line)) return `status 0 claims a clean merge, but it holds a conflict marker neither side has (${line})`;
  }
  return undefined;
}

/** Whether `line` is a whole line of `text` (ended by \n, \r\n or the end of the text). */
function hasLine(text: string, line: string): boolean {
  for (let at = text.indexOf(line); at !== -1; at = text.indexOf(line, at + 1)) {
    const end = at + line.length;
    const starts = at === 0 || text[at - 1] === '\n';
    const ends = end === text.length || text[end] === '\n' || (text[end] === '\r' && (end + 1 === text.length || text[end + 1] === '\n'));
    if (starts && ends) return true;
  }
  return false;
}
