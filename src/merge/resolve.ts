import { deepEqual, mergeData, type Data } from './data.js';
import type { StructuredFormat } from './format.js';
import { candidates, followMoves, keep, locateBases, parseConflicts, resolveHunks, settle, sortedTheirsFirst, type Choice, type Segment } from './hunks.js';
import { yamlDataReader } from './yaml-entries.js';

/**
 * git's conflicts resolved inside git's own output, when the data says how: every byte outside
 * the conflict blocks stays git's (comments, quoting, layout), and the result must parse to
 * exactly what the structural merge of base, ours and theirs gives. A reason when the data
 * conflicts too, a side does not parse, or no combination of block resolutions checks out: then why.
 */
export function resolveLineConflicts(format: StructuredFormat, base: string, ours: string, theirs: string, lineMerge: string): { text: string; conflicts: number } | { reason: string } {
  // YAML entry by entry, an entry seen in an earlier text not parsed again; anchors and aliases
  // are refused, so an alias bomb in any side is never expanded (such files merge by lines).
  const read = memoised(format === 'json' ? readJson : yamlDataReader());
  const sides = [read(base), read(ours), read(theirs)];
  if (sides.some((s) => s === undefined)) return { reason: `a side is not valid ${format.toUpperCase()}${format === 'yaml' ? ' (a duplicate key?) or holds aliases' : ''}` };
  const [b, o, t] = sides as [Data[], Data[], Data[]];
  if (b.length !== o.length || o.length !== t.length) return { reason: 'the number of YAML documents changed' };
  // What the data must be, with each conflicting value as ours and as theirs.
  const asOurs: Data[] = [];
  const asTheirs: Data[] = [];
  const conflicts: string[] = [];
  for (let i = 0; i < o.length; i++) {
    const merged = mergeData(b[i]!, o[i]!, t[i]!, 'ours');
    conflicts.push(...merged.conflicts.map((path) => (o.length > 1 ? [i, ...path] : path).join('.') || '(the whole document)'));
    asOurs.push(merged.value);
    asTheirs.push(merged.conflicts.length > 0 ? mergeData(b[i]!, o[i]!, t[i]!, 'theirs').value : merged.value);
  }
  const why = conflicts.length > 0 ? `both sides changed ${conflicts.join(', ')}` : 'no resolution of the conflict blocks gives the merged data';
  const segments = parseConflicts(lineMerge);
  if (!segments) return { reason: why };
  locateBases(segments, base);
  const blocks = segments.filter((s) => !Array.isArray(s)).length;
  if (blocks === 0) return { reason: why };
  const matches = (text: string, expected: Data[]): boolean => {
    const docs = read(text);
    return docs !== undefined && docs.length === expected.length && docs.every((doc, i) => sameData(doc, expected[i]!));
  };
  const accept = (textOurs: string, textTheirs: string): boolean => matches(textOurs, asOurs) && (textTheirs === textOurs ? sameData(asOurs, asTheirs) : matches(textTheirs, asTheirs));
  const attempt = (list: Segment[]) => {
    const choices: Choice[][] = [];
    list.forEach((segment, i) => {
      if (Array.isArray(segment)) return;
      const above = list[i - 1];
      const below = list[i + 1];
      const texts = candidates(segment, sortedTheirsFirst(segment, base), format === 'json', Array.isArray(above) ? above : [], Array.isArray(below) ? below : []);
      // Where the data conflicts, a block may stay git's conflict, as long as the others settle
      // and the file reads as the merge either way the person settles it.
      // (A block only a person can settle, such as a comment both rewrote, stays too.)
      choices.push([...texts.map(settle), ...(conflicts.length > 0 || texts.length === 0 ? [keep(segment)] : [])]);
    });
    const found = resolveHunks(list, choices, accept, budget(format, lineMerge.length));
    return found && found.kept < blocks ? found : undefined;
  };
  const moved = followMoves(segments);
  const found = attempt(segments) ?? (moved ? attempt(moved) : undefined);
  return found === undefined ? { reason: why } : { text: found.text, conflicts: found.kept };
}

/**
 * How many whole-file parses a resolution may try: every candidate is checked by parsing the
 * file, and a large file (the base comes from a template, so possibly hostile) must not turn that
 * into minutes. About 50 MB of YAML or 500 MB of JSON parsed at most.
 */
function budget(format: StructuredFormat, size: number): number {
  const volume = format === 'json' ? 500_000_000 : 50_000_000;
  return Math.max(2, Math.min(format === 'json' ? 256 : 64, Math.floor(volume / Math.max(1, size))));
}

/**
 * Each text parsed once per merge: the same file can come up again (as theirs would read it
 * while a block is kept, or in the second round after following moves). Nobody mutates the data.
 */
function memoised(read: (text: string) => Data[] | undefined): (text: string) => Data[] | undefined {
  const seen = new Map<string, Data[] | undefined>();
  return (text) => {
    if (seen.has(text)) return seen.get(text);
    const data = read(text);
    seen.set(text, data);
    return data;
  };
}

function readJson(text: string): Data[] | undefined {
  try {
    return [JSON.parse(text) as Data];
  } catch {
    return undefined;
  }
}

/**
 * Equal data, where a list may hold the same items in another order: two insertions at one
 * place can land either way round (a sorted list keeps its order).
 */
function sameData(a: Data, b: Data): boolean {
  if (deepEqual(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    const key = (x: Data) => JSON.stringify(x);
    const sa = a.map(key).sort();
    const sb = b.map(key).sort();
    return sa.every((x, i) => x === sb[i]);
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameData(a[k]!, b[k]!));
  }
  return false;
}
