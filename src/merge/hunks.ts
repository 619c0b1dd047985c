import { diffArrays } from 'diff';
import { splitLines } from './lines.js';

/**
 * git's conflict blocks, resolved one by one without touching a byte outside them: each block
 * gets a few candidate texts (ours then theirs, theirs then ours, one side, both sides' line
 * edits interleaved); a combination is accepted only when the whole file then parses to what
 * the structural merge says the data must be. What is outside the blocks stays git's.
 */
export interface Hunk {
  ours: string[];
  theirs: string[];
  /** The base lines the two sides replaced, when they could be located. */
  base?: string[];
  /** The block as git printed it, markers included; with the stable lines taken into it around it. */
  raw: string[];
}

export type Segment = string[] | Hunk;

/** Splits git's output (merge or diff3 style, 7-character markers) into stable lines and blocks. */
export function parseConflicts(text: string): Segment[] | undefined {
  const out: Segment[] = [];
  let stable: string[] = [];
  let hunk: (Hunk & { part: 'ours' | 'base' | 'theirs' }) | undefined;
  for (const line of splitLines(text)) {
    const marker = /^(<{7}|\|{7}|={7}|>{7})(?: |\r?\n|$)/.exec(line)?.[1];
    if (marker?.startsWith('<')) {
      if (hunk) return undefined;
      out.push(stable);
      stable = [];
      hunk = { ours: [], theirs: [], raw: [line], part: 'ours' };
    } else if (hunk && marker?.startsWith('|') && hunk.part === 'ours') {
      hunk.part = 'base';
      hunk.base = [];
      hunk.raw.push(line);
    } else if (hunk && marker?.startsWith('=') && hunk.part !== 'theirs') {
      hunk.part = 'theirs';
      hunk.raw.push(line);
    } else if (hunk && marker?.startsWith('>') && hunk.part === 'theirs') {
      const { part: _, ...done } = hunk;
      done.raw.push(line);
      out.push(done);
      hunk = undefined;
    } else if (hunk) {
      (hunk.part === 'ours' ? hunk.ours : hunk.part === 'base' ? hunk.base! : hunk.theirs).push(line);
      hunk.raw.push(line);
    } else stable.push(line);
  }
  if (hunk) return undefined;
  out.push(stable);
  return out;
}

/**
 * Finds each block's base lines when git's output did not carry them (merge style): the lines
 * around a block are the same in ours and base, so base's lines between those two are its base.
 */
export function locateBases(segments: Segment[], base: string): void {
  const baseLines = splitLines(base);
  const ours: string[] = [];
  const ranges: Array<[number, number]> = [];
  for (const segment of segments) {
    if (Array.isArray(segment)) ours.push(...segment);
    else {
      ranges.push([ours.length, ours.length + segment.ours.length]);
      ours.push(...segment.ours);
    }
  }
  // Which base line each ours line is (unchanged lines only).
  const toBase = new Array<number>(ours.length).fill(-1);
  let b = 0;
  let o = 0;
  for (const part of diffArrays(baseLines, ours)) {
    const n = part.value.length;
    if (part.added) o += n;
    else if (part.removed) b += n;
    else for (let i = 0; i < n; i++) toBase[o++] = b++;
  }
  let index = 0;
  segments.forEach((segment, at) => {
    if (Array.isArray(segment)) return;
    let [start, end] = ranges[index++]!;
    if (segment.base) return;
    // git moves lines both sides share out of a block (a blank line both added): take them back
    // in until the block is bounded by lines base has too.
    const above = segments[at - 1];
    const below = segments[at + 1];
    let up = 0;
    let down = 0;
    while (start - up > 0 && toBase[start - up - 1]! < 0 && Array.isArray(above) && up < Math.min(8, above.length)) up++;
    while (end + down < ours.length && toBase[end + down]! < 0 && Array.isArray(below) && down < Math.min(8, below.length)) down++;
    start -= up;
    end += down;
    const before = start === 0 ? -1 : toBase[start - 1]!;
    const after = end === ours.length ? baseLines.length : toBase[end]!;
    if ((start > 0 && before < 0) || after < 0 || after < before + 1) return;
    if (up > 0 || down > 0) {
      const taken = (above as string[]).splice((above as string[]).length - up, up);
      const next = (below as string[]).splice(0, down);
      segment.ours = [...taken, ...segment.ours, ...next];
      segment.theirs = [...taken, ...segment.theirs, ...next];
      segment.raw = [...taken, ...segment.raw, ...next];
    }
    segment.base = baseLines.slice(before + 1, after);
  });
}

interface LineEdits {
  /** Lines that replace the base lines just before each position (a changed line). */
  replaced: string[][];
  /** Lines inserted before each base position (the last: at the end). */
  inserted: string[][];
  /** Whether each base line survives on that side. */
  kept: boolean[];
}

function editsOf(base: string[], side: string[]): LineEdits {
  const replaced: string[][] = Array.from({ length: base.length + 1 }, () => []);
  const inserted: string[][] = Array.from({ length: base.length + 1 }, () => []);
  const kept = new Array<boolean>(base.length).fill(false);
  let b = 0;
  let afterRemoval = false;
  for (const part of diffArrays(base, side)) {
    if (part.added) (afterRemoval ? replaced : inserted)[b]!.push(...part.value);
    else if (part.removed) b += part.value.length;
    else for (const _ of part.value) kept[b++] = true;
    afterRemoval = Boolean(part.removed);
  }
  return { replaced, inserted, kept };
}

/**
 * Both sides' line edits to a block's base applied together, one side's insertions first where
 * both insert at one place (a changed line before lines added after it). Undefined when both
 * replaced the same base line differently: that is a conflict even where the data cannot see it
 * (a comment both reworded).
 */
function interleave(hunk: Hunk, first: 'ours' | 'theirs'): string[] | undefined {
  const base = hunk.base;
  if (!base) return undefined;
  const a = editsOf(base, first === 'ours' ? hunk.ours : hunk.theirs);
  const z = editsOf(base, first === 'ours' ? hunk.theirs : hunk.ours);
  const around = (e: LineEdits, i: number) => [...e.inserted[i]!, ...e.replaced[i + 1]!, ...e.inserted[i + 1]!];
  for (let i = 0; i < base.length; i++) {
    if (a.kept[i] || z.kept[i]) continue;
    const near = (e: LineEdits) => around(e, i).length > 0;
    if (near(a) && near(z) && !sameLines(around(a, i), around(z, i))) return undefined;
  }
  const out: string[] = [];
  for (let i = 0; i <= base.length; i++) {
    // Lines both added alike land once; a side's changed line goes before the other's additions.
    const mine = [...a.replaced[i]!, ...a.inserted[i]!];
    const other = [...z.replaced[i]!, ...z.inserted[i]!];
    out.push(...(z.replaced[i]!.length > 0 && a.replaced[i]!.length === 0 ? union(other, mine) : union(mine, other)));
    if (i < base.length && a.kept[i] && z.kept[i]) out.push(base[i]!);
  }
  return out;
}

/** Two insertions at one place: lines both inserted land once (a key both sides added alike), the rest in order. */
function union(a: string[], z: string[]): string[] {
  if (a.length === 0 || z.length === 0 || sameLines(a, z)) return a.length === 0 ? z : a;
  const out: string[] = [];
  for (const part of diffArrays(a, z)) out.push(...part.value);
  return out;
}

/** True when `side` already holds every line edit `other` made to the base: taking it loses nothing. */
function subsumes(base: string[], side: string[], other: string[]): boolean {
  const s = editsOf(base, side);
  const o = editsOf(base, other);
  const sideLines = new Set(side);
  return o.kept.every((kept, i) => kept || !s.kept[i]) && [...o.inserted, ...o.replaced].every((lines) => lines.every((line) => sideLines.has(line)));
}

const sameLines = (a: string[], b: string[]): boolean => a.length === b.length && a.every((line, i) => line === b[i]);

/**
 * JSON: two blocks of members or items joined need a comma between them, and the last one needs
 * one or not depending on what follows; both spellings are offered, parsing decides.
 */
function withCommas(lines: string[]): string[][] {
  const valueEnd = /["\d\]}el](\r?\n)?$/;
  const fixed = lines.map((line, i) => {
    const next = lines.slice(i + 1).find((l) => l.trim() !== '');
    if (!next || /^\s*[\]}]/.test(next) || !valueEnd.test(line.trimEnd() + '\n')) return line;
    return line.replace(/(\s*)$/, (ws) => `,${ws}`);
  });
  const last = fixed.findLastIndex((l) => l.trim() !== '');
  if (last < 0) return [fixed];
  const withComma = [...fixed];
  const without = [...fixed];
  withComma[last] = /,\s*$/.test(fixed[last]!) ? fixed[last]! : fixed[last]!.replace(/(\s*)$/, (ws) => `,${ws}`);
  without[last] = fixed[last]!.replace(/,(\s*)$/, '$1');
  return [withComma, without];
}

const onlyComments = (lines: string[]): boolean => lines.every((line) => line.trim() === '' || line.trim().startsWith('#'));
const commentsOnly = (hunk: Hunk): boolean => onlyComments(hunk.ours) && onlyComments(hunk.theirs);

/** True when one of git's YAML conflict blocks holds only comments on both sides. */
export function commentsConflict(lineMerge: string): boolean {
  return (parseConflicts(lineMerge) ?? []).some((segment) => !Array.isArray(segment) && commentsOnly(segment));
}

/**
 * git moves lines both insertions share out of the block (a shared `tm_scope: none` below, a
 * shared `{` above), so the block alone holds half entries. Both whole insertions are the block's
 * sides with i lines from above and j from below: the (i, j) that make each a balanced unit
 * (YAML: nothing less indented than its first line, the next line not more; JSON: brackets).
 */
function slides(hunk: Hunk, above: string[], below: string[], json: boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const blank = (line: string) => /^\s*$/.test(line);
  const indent = (line: string) => {
    let n = 0;
    while (line.charCodeAt(n) === 32 || line.charCodeAt(n) === 9) n++;
    return n;
  };
  // Whether `i` lines from above, one side's block and `j` lines from below make a balanced unit
  // (read in place: this runs for every (i, j) of every block, so nothing is copied).
  const balanced = (side: string[], i: number, j: number, next: string | undefined): boolean => {
    const count = i + side.length + j;
    const lineAt = (k: number): string => (k < i ? above[above.length - i + k]! : k < i + side.length ? side[k - i]! : below[k - i - side.length]!);
    let first = -1;
    let depth = 0;
    for (let k = 0; k < count; k++) {
      const line = lineAt(k);
      if (blank(line)) continue;
      if (json) {
        for (const ch of line.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
          if (ch === '{' || ch === '[') depth++;
          else if (ch === '}' || ch === ']') depth--;
        }
      } else if (first < 0) first = indent(line);
      else if (indent(line) < first) return false;
      if (first < 0 && json) first = 0;
    }
    if (first < 0) return false;
    // JSON: net zero, a whole item, or one rotated (`},` `{ …` with its `}` below, as git splits them).
    if (json) return depth === 0;
    return next === undefined || indent(next) <= first;
  };
  for (let i = 0; i <= Math.min(4, above.length); i++) {
    for (let j = 0; j <= Math.min(8, below.length); j++) {
      // Blank lines after an entry belong to it: stop only before a line with content.
      if ((i === 0 && j === 0) || (below[j] !== undefined && blank(below[j]!))) continue;
      let n = j;
      while (n < below.length && blank(below[n]!)) n++;
      const next = below[n];
      if (balanced(hunk.ours, i, j, next) && balanced(hunk.theirs, i, j, next)) out.push([i, j]);
      if (out.length >= 4) return out;
    }
  }
  return out;
}

/** The distinct texts a block could be resolved to, most likely first. */
export function candidates(hunk: Hunk, preferTheirsFirst: boolean, json = false, above: string[] = [], below: string[] = []): string[][] {
  // Both sides wrote only comments here: no data decides between them, a person does.
  if (!json && commentsOnly(hunk)) return [];
  const orders: Array<'ours' | 'theirs'> = preferTheirsFirst ? ['theirs', 'ours'] : ['ours', 'theirs'];
  const list: Array<string[] | undefined> = [];
  for (const first of orders) list.push(interleave(hunk, first));
  // Both sides only added here: both additions, in either order.
  if (!hunk.base || hunk.base.every((line) => line.trim() === '')) {
    for (const first of orders) list.push(first === 'ours' ? [...hunk.ours, ...hunk.theirs] : [...hunk.theirs, ...hunk.ours]);
    for (const [i, j] of slides(hunk, above, below, json)) {
      const shared = [...below.slice(0, j), ...above.slice(above.length - i)];
      for (const first of orders) list.push(first === 'ours' ? [...hunk.ours, ...shared, ...hunk.theirs] : [...hunk.theirs, ...shared, ...hunk.ours]);
    }
  }
  // One side's block when it already holds the other's edits.
  if (hunk.base && subsumes(hunk.base, hunk.theirs, hunk.ours)) list.push(hunk.theirs);
  if (hunk.base && subsumes(hunk.base, hunk.ours, hunk.theirs)) list.push(hunk.ours);
  if (json) list.push(...list.flatMap((lines) => (lines ? withCommas(lines) : [])));
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const lines of list) {
    if (!lines) continue;
    const key = lines.join('');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(lines);
  }
  return out;
}

/** True when the block's first lines read theirs-before-ours in a file whose base is sorted there (a sorted list of languages, keys). */
export function sortedTheirsFirst(hunk: Hunk, base: string): boolean {
  const first = (lines: string[]) => lines.find((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const o = first(hunk.ours);
  const t = first(hunk.theirs);
  if (!o || !t) return false;
  const indent = (line: string) => /^[ \t-]*/.exec(line)![0].length;
  if (indent(o) !== indent(t)) return false;
  const siblings = splitLines(base).filter((line) => line.trim() !== '' && !line.trim().startsWith('#') && indent(line) === indent(o) && /^[ \t]*(- )?[^\s:#][^:#]*:?/.test(line));
  let ascending = 0;
  for (let i = 1; i < siblings.length; i++) if (siblings[i - 1]!.toLowerCase() <= siblings[i]!.toLowerCase()) ascending++;
  const sorted = siblings.length >= 2 && ascending >= 0.9 * (siblings.length - 1);
  return sorted && t.toLowerCase() < o.toLowerCase();
}

/** One way to settle a block: the same lines on both sides, or the block kept as git's conflict. */
export interface Choice {
  /** The file with this block as ours would have it, and as theirs would (equal unless kept). */
  ours: string[];
  theirs: string[];
  /** What the block becomes in the result. */
  out: string[];
  kept: boolean;
}

export const settle = (lines: string[]): Choice => ({ ours: lines, theirs: lines, out: lines, kept: false });
export const keep = (hunk: Hunk): Choice => ({ ours: hunk.ours, theirs: hunk.theirs, out: hunk.raw, kept: true });

/**
 * The first combination of block choices (at most `budget` tried) that `accept`s the file as
 * ours and as theirs would read it (one text when no block is kept). Blocks are few in practice
 * (one or two): every combination is tried up to the budget.
 */
export function resolveHunks(segments: Segment[], choices: Choice[][], accept: (asOurs: string, asTheirs: string) => boolean, budget = 64): { text: string; kept: number } | undefined {
  const hunks = choices.length;
  if (choices.some((c) => c.length === 0)) return undefined;
  const picks = new Array<number>(hunks).fill(0);
  const render = (side: 'ours' | 'theirs' | 'out'): string => {
    let text = '';
    let h = 0;
    for (const segment of segments) text += Array.isArray(segment) ? segment.join('') : choices[h]![picks[h++]!]![side].join('');
    return text;
  };
  const tryPicks = (): { text: string; kept: number } | undefined => {
    const picked = picks.map((p, i) => choices[i]![p]!);
    const kept = picked.filter((c) => c.kept).length;
    const asOurs = render('ours');
    const asTheirs = kept === 0 ? asOurs : render('theirs');
    return accept(asOurs, asTheirs) ? { text: kept === 0 ? asOurs : render('out'), kept } : undefined;
  };
  if (choices.reduce((n, c) => n * c.length, 1) > budget) {
    // Too many to try all: the same kind of resolution in every block.
    const widest = Math.max(...choices.map((c) => c.length));
    for (let k = 0; k < widest; k++) {
      choices.forEach((c, i) => (picks[i] = Math.min(k, c.length - 1)));
      const found = tryPicks();
      if (found) return found;
    }
    return undefined;
  }
  for (;;) {
    const found = tryPicks();
    if (found) return found;
    // Next combination (odometer).
    let i = hunks - 1;
    while (i >= 0 && ++picks[i]! >= choices[i]!.length) picks[i--] = 0;
    if (i < 0) return undefined;
  }
}

/**
 * A block one side moved and the other edited: git sees a deletion against an edit where the
 * block was, and the moved copy lands cleanly elsewhere. Puts the edit on the moved copy and
 * the deletion where it was. Undefined when no block looks like that.
 */
export function followMoves(segments: Segment[]): Segment[] | undefined {
  const blank = (lines: string[]) => lines.every((line) => line.trim() === '');
  const out = segments.map((s) => (Array.isArray(s) ? [...s] : s));
  let applied = false;
  out.forEach((segment, index) => {
    if (Array.isArray(segment) || !segment.base || blank(segment.base)) return;
    const [gone, edited] = blank(segment.ours) ? [segment.ours, segment.theirs] : blank(segment.theirs) ? [segment.theirs, segment.ours] : [];
    if (!gone || !edited) return;
    const block = segment.base.filter((line) => line.trim() !== '');
    const hits: Array<[number, number]> = [];
    // Exactly one copy counts: stop at the second (a file of identical lines stays linear).
    out.forEach((other, i) => {
      if (!Array.isArray(other)) return;
      for (let at = 0; at + block.length <= other.length && hits.length < 2; at++) if (block.every((line, k) => other[at + k] === line)) hits.push([i, at]);
    });
    if (hits.length !== 1) return;
    const [i, at] = hits[0]!;
    (out[i] as string[]).splice(at, block.length, ...edited.filter((line) => line.trim() !== ''));
    out[index] = [...gone];
    applied = true;
  });
  return applied ? out : undefined;
}
