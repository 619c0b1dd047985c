import { isMap, isScalar, type Document, type YAMLMap } from 'yaml';
import { isPlainObject, type Data } from './data.js';
import { splitLines } from './lines.js';
import { parseYamlDocumentsWithoutAliases, toData } from './yaml-documents.js';

/**
 * YAML data read entry by entry, each distinct entry parsed once per merge. Settling git's
 * conflict blocks reads base, ours and theirs, then one candidate file per try: texts that
 * differ in a few entries of a map (a job added, a step changed). The first text is parsed whole
 * and every map entry in it is remembered by its exact lines; a later text is split at its key
 * lines, and only the entries not seen before are parsed, alone or a run of them together.
 *
 * Splitting is only done where it cannot change the data, and anything unusual parses the whole
 * text instead:
 * - a level is a block map: every line at its indentation is a simple key line (isKeyLine), a
 *   `- ` item of the entry above (a sequence at its key's indentation), a comment or blank; more
 *   indented lines belong to the entry above; a less indented one, or any other line, ends the
 *   attempt;
 * - no CR, no byte order mark; one `---` may start the text, but `---`, `...` and `%` lines never
 *   read as keys, so a stream of documents, directives or a top-level sequence is parsed whole;
 * - an entry is read with yaml exactly as the whole text is (same options, errors, duplicate
 *   keys, anchors and aliases refused); a construct that crosses a key line (a quoted string or
 *   flow collection left open) fails to parse on its own, and then the whole text decides;
 * - keys repeated across entries, or a parsed entry that is not exactly its one key: whole text.
 * test/unit/merge-yaml-entries.test.ts checks every read against a whole parse of the same text.
 */
export function yamlDataReader(parse: Parse = parseYamlDocumentsWithoutAliases): (text: string) => Data[] | undefined {
  const memory: Memory = { seen: new Map(), parse };
  return (text) => {
    const read = readEntries(text, memory);
    if (read === WHOLE) return parse(text)?.map(toData);
    return read;
  };
}

/** yaml's parse as the merge reads (errors, duplicate keys, anchors and aliases: undefined); tests count the calls. */
type Parse = (text: string) => Document.Parsed[] | undefined;

interface Memory {
  /** Every entry parsed so far, by its exact lines. */
  seen: Map<string, Entry>;
  parse: Parse;
}

interface Entry {
  /** The key as the duplicate check compares keys: its scalar value. */
  key: unknown;
  /** The property the key becomes in the data, as yaml's toJS names it. */
  name: string;
  value: Data;
}

/** Parse the whole text instead (the splitting cannot vouch for it). */
const WHOLE = Symbol('whole');
/** No entry of a level was seen before: parse the level as one piece. */
const UNSEEN = Symbol('unseen');

/** How deep entries are split: a hostile file nested thousands deep costs no more than this. */
const MAX_DEPTH = 6;
/** A key line whose value is on the lines below (a comment may follow the colon). */
const OPEN_KEY_LINE = /^([A-Za-z_][\w-]*):[ \t]*(?:#[^\n]*)?\n?$/;
/** Plain keys that YAML 1.2's core schema reads as null or a boolean, not as their text. */
const NOT_TEXT = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;

interface Lines {
  text: string;
  lines: string[];
  /** Offset of each line in text, and text.length at the end. */
  at: number[];
}

function readEntries(text: string, memory: Memory): Data[] | undefined | typeof WHOLE {
  if (text.includes('\r') || text.charCodeAt(0) === 0xfeff) return WHOLE;
  const lines = splitLines(text);
  const at = [0];
  for (const line of lines) at.push(at[at.length - 1]! + line.length);
  const doc: Lines = { text, lines, at };
  // Nothing seen yet (the first text of a merge): no split is worth trying.
  let entries = memory.seen.size === 0 ? UNSEEN : level(doc, 0, lines.length, 0, 0, memory);
  if (entries === UNSEEN) {
    // One parse of the whole text, every entry in it remembered.
    const docs = memory.parse(text);
    if (docs === undefined) return undefined;
    entries = docs.length === 1 ? learn(doc, 0, lines.length, 0, 0, docs[0]!, memory) : WHOLE;
    if (entries === WHOLE) return docs.map(toData);
  }
  if (entries === WHOLE) return WHOLE;
  const data = assemble(entries);
  return data === undefined ? WHOLE : [data];
}

/** Line indexes of the entries of a block map at `indent` in lines [from, to), or undefined. */
function split(doc: Lines, from: number, to: number, indent: number): number[] | undefined {
  const starts: number[] = [];
  let marker = false;
  for (let i = from; i < to; i++) {
    const line = doc.lines[i]!;
    let column = 0;
    while (line.charCodeAt(column) === 32) column++;
    const rest = line.slice(column);
    if (rest.startsWith('#') || /^[ \t]*\n?$/.test(rest)) continue;
    // One `---` before the first key of the top level starts the one document (a second, or one
    // after a key, starts another: not split).
    if (indent === 0 && starts.length === 0 && !marker && /^---[ \t]*(?:#[^\n]*)?\n?$/.test(rest)) {
      marker = true;
      continue;
    }
    if (column > indent) {
      if (starts.length === 0) return undefined;
    } else if (column < indent) {
      return undefined;
    } else if (isKeyLine(rest)) {
      starts.push(i);
    } else if (starts.length === 0 || !(rest.startsWith('- ') || /^-\n?$/.test(rest))) {
      return undefined;
    }
  }
  return starts.length > 0 ? starts : undefined;
}

/**
 * True when a line (from its first character) is a simple key and its colon: a quoted key
 * without escapes, or a plain key that starts with a letter, digit or `_ . $ / + (` (not `...`)
 * and runs to the first `: ` (or colon at the end of the line), with no ` #` before it (a comment). A
 * scan, not a pattern: a long line costs one pass.
 */
function isKeyLine(line: string): boolean {
  const end = (i: number): boolean => i === line.length || line[i] === ' ' || line[i] === '\t' || line[i] === '\n';
  const quote = line[0];
  if (quote === '"' || quote === "'") {
    for (let i = 1; i < line.length; i++) {
      const c = line[i];
      if (c === '\n' || (c === '\\' && quote === '"')) return false;
      if (c === quote) return line[i + 1] === ':' && end(i + 2);
    }
    return false;
  }
  if (!/^[A-Za-z0-9_.$/+(]/.test(line) || line.startsWith('...')) return false;
  let space = false;
  for (let i = 1; i < line.length; i++) {
    const c = line[i];
    if (c === '\n') return false;
    if (c === ':' && end(i + 1)) return true;
    if (c === '#' && space) return false;
    space = c === ' ' || c === '\t';
  }
  return false;
}

/** Entry i of a level: from its key line (the first also takes the lines above it) to the next key line. */
const bounds = (starts: number[], i: number, from: number, to: number): [number, number] => [i === 0 ? from : starts[i]!, i + 1 < starts.length ? starts[i + 1]! : to];
const slice = (doc: Lines, from: number, to: number): string => doc.text.slice(doc.at[from], doc.at[to]);

/** The indentation of the first line with content in [from, to), or -1. */
function firstIndent(doc: Lines, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const line = doc.lines[i]!;
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    return line.length - trimmed.length;
  }
  return -1;
}

/**
 * The entries of the block map at `indent` in lines [from, to): each one seen before, a key
 * alone, or (a `key:` over a block map) read a level further down when something there was seen;
 * the rest parsed, each run of them as one piece. UNSEEN when nothing in the level was seen (the
 * caller parses it as one piece), WHOLE when the lines do not split or a key repeats.
 */
function level(doc: Lines, from: number, to: number, indent: number, depth: number, memory: Memory): Entry[] | typeof UNSEEN | typeof WHOLE {
  const starts = split(doc, from, to, indent);
  if (!starts) return WHOLE;
  const found: Array<Entry | undefined> = [];
  for (let i = 0; i < starts.length; i++) {
    const [first, last] = bounds(starts, i, from, to);
    const text = slice(doc, first, last);
    let entry = memory.seen.get(text) ?? keyAlone(doc, first, last, indent);
    if (!entry) {
      const inner = nested(doc, starts[i]!, last, indent, depth, memory);
      if (inner === WHOLE) return WHOLE;
      if (inner !== UNSEEN) memory.seen.set(text, (entry = inner));
    }
    found.push(entry);
  }
  if (found.every((entry) => entry === undefined)) return UNSEEN;
  const out: Entry[] = [];
  for (let i = 0; i < starts.length; ) {
    if (found[i]) {
      out.push(found[i]!);
      i++;
      continue;
    }
    let end = i;
    while (end < starts.length && !found[end]) end++;
    const parsed = parseRun(doc, bounds(starts, i, from, to)[0], bounds(starts, end - 1, from, to)[1], indent, depth, memory);
    if (parsed === WHOLE) return WHOLE;
    out.push(...parsed);
    i = end;
  }
  return out;
}

/**
 * An entry that is only its key line, `key:` (a comment may follow), with a plain key that reads
 * as its text: the key with no value, null, as yaml reads it. Settling a block where both sides
 * added an entry often stacks one side's key line on the other's entry for a try.
 */
function keyAlone(doc: Lines, from: number, to: number, indent: number): Entry | undefined {
  let head: string | undefined;
  for (let i = from; i < to; i++) {
    const line = doc.lines[i]!;
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (head !== undefined) return undefined;
    head = line;
  }
  const key = head === undefined ? undefined : OPEN_KEY_LINE.exec(head.slice(indent))?.[1];
  return key === undefined || NOT_TEXT.test(key) ? undefined : { key, name: key, value: null };
}

/** An entry `key:` whose value is a block map below it, read a level further down; UNSEEN if it is not one or nothing below was seen. */
function nested(doc: Lines, head: number, to: number, indent: number, depth: number, memory: Memory): Entry | typeof UNSEEN | typeof WHOLE {
  const key = OPEN_KEY_LINE.exec(doc.lines[head]!.slice(indent))?.[1];
  if (depth + 1 >= MAX_DEPTH || key === undefined || NOT_TEXT.test(key)) return UNSEEN;
  const inner = firstIndent(doc, head + 1, to);
  if (inner <= indent) return UNSEEN;
  const children = level(doc, head + 1, to, inner, depth + 1, memory);
  // Lines below that do not split, or hold nothing seen: the entry is parsed as it stands.
  if (children === UNSEEN || children === WHOLE) return UNSEEN;
  const value = assemble(children);
  return value === undefined ? WHOLE : { key, name: key, value };
}

/** Lines [from, to) of one level parsed as one piece; every entry in it (and below) remembered. */
function parseRun(doc: Lines, from: number, to: number, indent: number, depth: number, memory: Memory): Entry[] | typeof WHOLE {
  const text = slice(doc, from, to);
  const docs = memory.parse(text);
  if (docs?.length !== 1) return WHOLE;
  const piece: Lines = { text, lines: doc.lines.slice(from, to), at: doc.at.slice(from, to + 1).map((offset) => offset - doc.at[from]!) };
  return learn(piece, 0, piece.lines.length, indent, depth, docs[0]!, memory);
}

/**
 * The entries of a parsed piece, each remembered by its lines, and the entries of the block maps
 * below them too. WHOLE when yaml's pairs are not exactly the key lines the split found.
 */
function learn(doc: Lines, from: number, to: number, indent: number, depth: number, parsed: Document, memory: Memory): Entry[] | typeof WHOLE {
  if (!isMap(parsed.contents)) return WHOLE;
  const data = toData(parsed);
  if (!isPlainObject(data)) return WHOLE;
  return remember(doc, from, to, indent, depth, parsed.contents, data, memory) ?? WHOLE;
}

function remember(doc: Lines, from: number, to: number, indent: number, depth: number, map: YAMLMap, data: { [key: string]: Data }, memory: Memory): Entry[] | undefined {
  const starts = split(doc, from, to, indent);
  if (!starts || starts.length !== map.items.length) return undefined;
  const names = new Set<string>();
  const entries: Entry[] = [];
  for (let i = 0; i < starts.length; i++) {
    const pair = map.items[i]!;
    if (!isScalar(pair.key) || pair.key.range?.[0] !== doc.at[starts[i]!]! + indent) return undefined;
    const key = pair.key.value;
    if (key !== null && typeof key === 'object') return undefined;
    // yaml's toJS names a property String(key), '' for null; two keys of one name (1 and "1")
    // share a property, so which value is whose cannot be told apart: nothing of this map is
    // remembered (hence all checked before any is).
    const name = key === null ? '' : String(key);
    if (names.has(name) || !Object.hasOwn(data, name)) return undefined;
    names.add(name);
    entries.push({ key, name, value: data[name]! });
  }
  entries.forEach((entry, i) => {
    const [first, last] = bounds(starts, i, from, to);
    memory.seen.set(slice(doc, first, last), entry);
    const pair = map.items[i]!;
    if (depth + 1 < MAX_DEPTH && isMap(pair.value) && isPlainObject(entry.value) && OPEN_KEY_LINE.test(doc.lines[starts[i]!]!.slice(indent))) {
      const inner = firstIndent(doc, starts[i]! + 1, last);
      if (inner > indent) remember(doc, starts[i]! + 1, last, inner, depth + 1, pair.value, entry.value, memory);
    }
  });
  return entries;
}

/** A map's data from its entries, as yaml's toJS builds it; undefined when a key repeats. */
function assemble(entries: Entry[]): Data | undefined {
  const keys = new Set<unknown>();
  const data: { [key: string]: Data } = {};
  for (const { key, name, value } of entries) {
    if (keys.has(key)) return undefined;
    keys.add(key);
    // toJS defines a property that is already `in` the object (__proto__, toString) rather than assigning it.
    if (name in data) Object.defineProperty(data, name, { value, writable: true, enumerable: true, configurable: true });
    else data[name] = value;
  }
  return data;
}
