import { deepEqual, mergeData, type Data } from './data.js';
import type { StructuredFormat } from './format.js';
import { candidates, followMoves, locateBases, parseConflicts, resolveHunks, sortedTheirsFirst, type Segment } from './hunks.js';
import { hasAliases, toData } from './structured.js';
import { parseYamlDocuments } from './yaml-documents.js';

/**
 * git's conflicts resolved inside git's own output, when the data says how: every byte outside
 * the conflict blocks stays git's (comments, quoting, layout), and the result must parse to
 * exactly what the structural merge of base, ours and theirs gives. A reason when the data
 * conflicts too, a side does not parse, or no combination of block resolutions checks out: then why.
 */
export function resolveLineConflicts(format: StructuredFormat, base: string, ours: string, theirs: string, lineMerge: string): { text: string } | { reason: string } {
  const read = format === 'json' ? readJson : readYaml;
  const sides = [read(base), read(ours), read(theirs)];
  if (sides.some((s) => s === undefined)) return { reason: `a side is not valid ${format.toUpperCase()}${format === 'yaml' ? ' (a duplicate key?) or holds aliases' : ''}` };
  const [b, o, t] = sides as [Data[], Data[], Data[]];
  if (b.length !== o.length || o.length !== t.length) return { reason: 'the number of YAML documents changed' };
  const expected: Data[] = [];
  for (let i = 0; i < o.length; i++) {
    const merged = mergeData(b[i]!, o[i]!, t[i]!);
    if (merged.conflicts.length > 0) {
      const at = merged.conflicts.map((path) => (o.length > 1 ? [i, ...path] : path).join('.') || '(the whole document)');
      return { reason: `both sides changed ${at.join(', ')}` };
    }
    expected.push(merged.value);
  }
  const unresolved = { reason: 'no resolution of the conflict blocks gives the merged data' };
  const segments = parseConflicts(lineMerge);
  if (!segments) return unresolved;
  locateBases(segments, base);
  if (!segments.some((s) => !Array.isArray(s))) return unresolved;
  const accept = (text: string): boolean => {
    const docs = read(text);
    return docs !== undefined && docs.length === expected.length && docs.every((doc, i) => sameData(doc, expected[i]!));
  };
  const attempt = (list: Segment[]): string | undefined => {
    const choices: string[][][] = [];
    list.forEach((segment, i) => {
      if (Array.isArray(segment)) return;
      const above = list[i - 1];
      const below = list[i + 1];
      choices.push(candidates(segment, sortedTheirsFirst(segment, base), format === 'json', Array.isArray(above) ? above : [], Array.isArray(below) ? below : []));
    });
    return resolveHunks(list, choices, accept, budget(format, lineMerge.length));
  };
  const moved = followMoves(segments);
  const text = attempt(segments) ?? (moved ? attempt(moved) : undefined);
  return text === undefined ? unresolved : { text };
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

function readJson(text: string): Data[] | undefined {
  try {
    return [JSON.parse(text) as Data];
  } catch {
    return undefined;
  }
}

function readYaml(text: string): Data[] | undefined {
  const docs = parseYamlDocuments(text);
  // An alias bomb in any side is never expanded: such files merge by lines.
  if (!docs || docs.some(hasAliases)) return undefined;
  return docs.map(toData);
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
