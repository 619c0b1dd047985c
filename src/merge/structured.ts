import { Document, isMap, isScalar, isSeq, visit, type Node, type ToStringOptions } from 'yaml';
import { diffArrays } from 'diff';
import { deepEqual, isPlainObject, itemKey, mergeData, type Data, type Path } from './data.js';
import type { ConflictLabels } from './conflict.js';
import { splitLines } from './lines.js';
import { parseYamlDocuments, toData } from './yaml-documents.js';

import type { StructuredFormat } from './format.js';

export { formatOf, type StructuredFormat } from './format.js';
export { toData } from './yaml-documents.js';

export type StructuredResult =
  | { kind: 'merged'; text: string }
  /** Both sides changed the same data: text is ours' layout with git markers around just those nodes. */
  | { kind: 'conflict'; paths: Path[]; text: string; conflicts: number }
  /** The structure route cannot decide (a side does not parse, aliases, formatting it cannot reproduce). */
  | { kind: 'unsupported'; reason: string };

/**
 * Merges by structure, writing the result in ours' own formatting: the output is ours byte for
 * byte except where the template's change lands. Returns 'unsupported' rather than guess.
 */
export function mergeStructured(format: StructuredFormat, base: string, ours: string, theirs: string, labels: ConflictLabels = { ours: 'ours', theirs: 'theirs' }): StructuredResult {
  const sides = format === 'yaml' ? readYamlSides(base, ours, theirs) : undefined;
  if (sides && 'kind' in sides) return sides;
  const merge = (prefer: 'ours' | 'theirs'): StructuredResult => (sides ? mergeYaml(sides, prefer) : mergeJson(base, ours, theirs, prefer));
  const preferOurs = merge('ours');
  if (preferOurs.kind !== 'conflict') return preferOurs;
  // Everything else merged, the conflicting nodes as ours and as theirs: the lines where the
  // two texts differ are exactly the conflicts, as small as the data allows.
  const preferTheirs = merge('theirs');
  if (preferTheirs.kind !== 'conflict') return { kind: 'unsupported', reason: 'the conflict could not be laid out' };
  return { ...preferOurs, ...markConflicts(preferOurs.text, preferTheirs.text, labels) };
}

/** Git-style conflict blocks wherever two versions of one text differ, by lines. */
function markConflicts(ours: string, theirs: string, labels: ConflictLabels): { text: string; conflicts: number } {
  const eol = ours.includes('\r\n') ? '\r\n' : '\n';
  let text = '';
  let conflicts = 0;
  let pending: { ours: string[]; theirs: string[] } | undefined;
  const flush = (): void => {
    if (!pending) return;
    conflicts++;
    const block = (lines: string[]): string => lines.map((line) => (line.endsWith('\n') ? line : `${line}${eol}`)).join('');
    text += `<<<<<<< ${labels.ours}${eol}${block(pending.ours)}=======${eol}${block(pending.theirs)}>>>>>>> ${labels.theirs}${eol}`;
    pending = undefined;
  };
  for (const part of diffArrays(splitLines(ours), splitLines(theirs))) {
    if (part.added || part.removed) {
      pending ??= { ours: [], theirs: [] };
      (part.removed ? pending.ours : pending.theirs).push(...part.value);
    } else {
      flush();
      text += part.value.join('');
    }
  }
  flush();
  return { text, conflicts };
}

// ---------------------------------------------------------------- JSON

function mergeJson(base: string, ours: string, theirs: string, prefer: 'ours' | 'theirs'): StructuredResult {
  let parsed: [Data, Data, Data];
  try {
    parsed = [JSON.parse(base) as Data, JSON.parse(ours) as Data, JSON.parse(theirs) as Data];
  } catch {
    return { kind: 'unsupported', reason: 'a side is not valid JSON' };
  }
  const style = jsonStyle(ours, parsed[1]);
  if (!style) return { kind: 'unsupported', reason: 'the local JSON is not in a layout we can reproduce' };
  const merged = mergeData(...parsed, prefer);
  if (merged.conflicts.length > 0) return { kind: 'conflict', paths: merged.conflicts, text: style(merged.value), conflicts: merged.conflicts.length };
  return { kind: 'merged', text: style(merged.value) };
}

/** The JSON.stringify settings that reproduce text exactly, as a serializer; undefined if none. */
function jsonStyle(text: string, data: Data): ((value: Data) => string) | undefined {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const trailing = text.endsWith(eol) ? eol : '';
  for (const indent of [2, 4, '\t', 0] as const) {
    const render = (value: Data): string => {
      const body = JSON.stringify(value, null, indent);
      return (eol === '\n' ? body : body.replace(/\n/g, eol)) + trailing;
    };
    if (render(data) === text) return render;
  }
  return undefined;
}

// ---------------------------------------------------------------- YAML

const STRING_STYLES: ToStringOptions[] = (() => {
  const styles: ToStringOptions[] = [];
  for (const indentSeq of [true, false]) {
    for (const flowCollectionPadding of [true, false]) {
      for (const indent of [2, 4]) styles.push({ indentSeq, flowCollectionPadding, indent, lineWidth: 0 });
    }
  }
  return styles;
})();

/** Three YAML sides read once for both passes of a conflict (ours' documents, which a pass rewrites, parsed again for the second). */
interface YamlSides {
  ours: string;
  baseDocs: Document[];
  theirsDocs: Document[];
  /** Ours' documents, not yet rewritten by a pass. */
  freshOurs: Document[] | undefined;
  style: ToStringOptions;
  keyComments: ReturnType<typeof keyLineComments>;
}

function readYamlSides(base: string, ours: string, theirs: string): YamlSides | Extract<StructuredResult, { kind: 'unsupported' }> {
  if (ours.includes('\r')) return { kind: 'unsupported', reason: 'CRLF YAML is merged as text' };
  const parsed = [base, ours, theirs].map(parseYamlDocuments);
  if (parsed.some((list) => list === undefined)) return { kind: 'unsupported', reason: 'a side is not valid YAML' };
  const docs = parsed as Document[][];
  const [baseDocs, oursDocs, theirsDocs] = docs as [Document[], Document[], Document[]];
  if (baseDocs.length !== oursDocs.length || oursDocs.length !== theirsDocs.length) {
    return { kind: 'unsupported', reason: 'the number of YAML documents changed' };
  }
  // Every side, base included: an alias bomb in any of them must never be expanded.
  if (docs.some((list) => list.some(hasAliases))) return { kind: 'unsupported', reason: 'anchors and aliases are merged as text' };
  // `e2e: # note` prints as `e2e:` and `# note` on the next line: compare with that spelling, and
  // put the comments back on their key lines afterwards.
  const keyComments = keyLineComments(ours);
  const style = STRING_STYLES.find((options) => oursDocs.map((doc) => doc.toString(options)).join('') === keyComments.printed);
  if (!style) return { kind: 'unsupported', reason: 'the local YAML is not in a layout we can reproduce' };
  return { ours, baseDocs, theirsDocs, freshOurs: oursDocs, style, keyComments };
}

function mergeYaml(sides: YamlSides, prefer: 'ours' | 'theirs'): StructuredResult {
  const { baseDocs, theirsDocs, style, keyComments } = sides;
  // A pass rewrites ours' documents in place: the second one reads them again.
  const oursDocs = sides.freshOurs ?? (parseYamlDocuments(sides.ours) as Document[]);
  sides.freshOurs = undefined;
  const conflicts: Path[] = [];
  const expected: Data[] = [];
  oursDocs.forEach((doc, index) => {
    const result = mergeData(toData(baseDocs[index]!), toData(doc), toData(theirsDocs[index]!), prefer);
    conflicts.push(...result.conflicts.map((path) => [index, ...path]));
    expected.push(result.value);
    doc.contents = applyData(doc, doc.contents as Node | null, toData(doc), result.value, theirsDocs[index]!.contents) as typeof doc.contents;
  });
  const text = keyComments.restore(oursDocs.map((doc) => doc.toString(style)).join(''));
  // Never return a merge we have not checked: it must parse back to exactly the merged data.
  const check = parseYamlDocuments(text);
  if (!check || check.length !== expected.length || check.some((doc, i) => !deepEqual(toData(doc), expected[i]))) {
    return { kind: 'unsupported', reason: 'the structural result did not check out' };
  }
  if (conflicts.length > 0) return { kind: 'conflict', paths: conflicts, text, conflicts: conflicts.length };
  return { kind: 'merged', text };
}

/**
 * Comments on the line of a key whose value is a block below it (`e2e: # note`): the yaml
 * printer puts them on a line of their own above the value. `printed` is the text as the printer
 * writes it; `restore` puts each comment back on its key line.
 */
export function keyLineComments(text: string): { printed: string; restore: (printed: string) => string } {
  const lines = text.split('\n');
  const moved: Array<{ printed: string; original: string }> = [];
  const out: string[] = [];
  lines.forEach((line, i) => {
    const match = /^([ \t]*(?:- )?[^\s#'"][^#'"]*?:)([ \t]+)(#.*)$/.exec(line);
    const next = lines.slice(i + 1).find((l) => l.trim() !== '');
    const indent = (l: string) => /^[ \t]*/.exec(l)![0];
    if (!match || next === undefined || (indent(next).length <= indent(line).length && !next.trimStart().startsWith('- '))) {
      out.push(line);
      return;
    }
    const printed = `${match[1]}\n${indent(next)}${match[3]}`;
    moved.push({ printed, original: line });
    out.push(printed);
  });
  return {
    printed: out.join('\n'),
    restore: (printed) => {
      let result = printed;
      let from = 0;
      for (const { printed: p, original } of moved) {
        const at = result.indexOf(p, from);
        if (at < 0) continue;
        result = result.slice(0, at) + original + result.slice(at + p.length);
        from = at + original.length;
      }
      return result;
    },
  };
}

export function hasAliases(doc: Document): boolean {
  let found = false;
  visit(doc, {
    Alias() {
      found = true;
      return visit.BREAK;
    },
    Node(_, node) {
      if ((node as { anchor?: string }).anchor) {
        found = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Turns ours' node into one holding `next`, reusing every node (and so its comments, quoting
 * and flow or block style) whose value is unchanged. What comes new from the template is taken
 * from theirs' own nodes when they hold exactly that value, so their comments come along (the
 * `# v5.0.0` beside a pinned action, the note above a new job).
 */
function applyData(doc: Document, node: Node | null, current: Data, next: Data, theirs: unknown): Node | null {
  if (deepEqual(current, next)) return node;
  if (isMap(node) && isPlainObject(current) && isPlainObject(next)) {
    const pairs = new Map(node.items.map((pair) => [keyOf(pair.key), pair]));
    const theirsPairs = isMap(theirs) ? new Map(theirs.items.map((pair) => [keyOf(pair.key), pair])) : new Map();
    node.items = Object.keys(next).map((key) => {
      const pair = pairs.get(key);
      const theirsPair = theirsPairs.get(key);
      if (pair && Object.hasOwn(current, key)) {
        pair.value = applyData(doc, pair.value as Node | null, current[key]!, next[key]!, theirsPair?.value);
        return pair;
      }
      if (theirsPair && deepEqual(toPlain(theirsPair.value), next[key])) return theirsPair.clone();
      return doc.createPair(key, next[key]);
    });
    return node;
  }
  if (isSeq(node) && Array.isArray(current) && Array.isArray(next)) {
    const byKey = new Map<string, { node: Node | null; data: Data }>();
    current.forEach((item, i) => {
      const key = itemKey(item);
      if (key !== undefined) byKey.set(key, { node: node.items[i] as Node | null, data: item });
    });
    const theirsByKey = new Map<string, Node>();
    if (isSeq(theirs)) {
      for (const item of theirs.items) {
        const key = itemKey(toPlain(item));
        if (key !== undefined) theirsByKey.set(key, item as Node);
      }
    }
    node.items = next.map((item) => {
      const key = itemKey(item);
      const existing = key === undefined ? undefined : byKey.get(key);
      const theirsItem = key === undefined ? undefined : theirsByKey.get(key);
      if (existing) return applyData(doc, existing.node, existing.data, item, theirsItem);
      if (theirsItem && deepEqual(toPlain(theirsItem), item)) return theirsItem.clone() as Node;
      return doc.createNode(item);
    });
    return node;
  }
  if (isScalar(node) && (next === null || typeof next !== 'object')) {
    node.value = next;
    // The template changed this value: its comment describes the new one (a pinned version).
    if (isScalar(theirs) && theirs.value === next) node.comment = theirs.comment;
    return node;
  }
  if (theirs && deepEqual(toPlain(theirs), next)) return (theirs as Node).clone() as Node;
  return doc.createNode(next) as Node;
}

function keyOf(key: unknown): string {
  return String((key as { value?: unknown } | null)?.value ?? key);
}

function toPlain(node: unknown): Data {
  return (node && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node) as Data;
}
