import { emitYaml } from './yaml-emit.js';

/**
 * Reads back the YAML that emitYaml writes (the lockfile as this CLI wrote it) without the yaml
 * library's document tree, which cost about 55 ms for a 400-file lockfile. The reader proves
 * itself: the data it found must emit to exactly the text it read, so it returns only data
 * that emitYaml writes as that text, and emitYaml's contract (every YAML reader reads its text
 * back as the data) makes that the library's reading too. Anything else (a hand edit, a
 * comment, another layout, an anchor, a reserved key) is undefined: the caller reads the file
 * with the library, which reports problems with their line.
 */

/** Deeper than the lockfile ever nests: left to the library (which walks without recursion). */
const MAX_DEPTH = 64;
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** The header lines the CLI writes above the data: full-line comments of printable ASCII (no CR: YAML ends a line there). */
const COMMENT = /^#[\x20-\x7e]*$/;
/** Plain scalars that are not strings, as emitYaml writes them (the round trip checks the rest). */
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:e[+-][0-9]+)?$/;

interface Line {
  indent: number;
  text: string;
}

class NotEmitted extends Error {}
const refuse = (): never => {
  throw new NotEmitted();
};

/** The data of `text` when it is a comment header and then exactly what emitYaml writes for it; else undefined. */
export function readEmittedYaml(text: string): Record<string, unknown> | undefined {
  let start = 0;
  while (text.startsWith('#', start)) {
    const end = text.indexOf('\n', start);
    if (end < 0 || !COMMENT.test(text.slice(start, end))) return undefined;
    start = end + 1;
  }
  const body = text.slice(start);
  let data: unknown;
  try {
    data = parseBody(body);
  } catch (error) {
    if (error instanceof NotEmitted || error instanceof SyntaxError || error instanceof RangeError) return undefined;
    throw error;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  // The proof: anything the reader got wrong writes back differently.
  return emitYaml(data as Record<string, unknown>) === body ? (data as Record<string, unknown>) : undefined;
}

function parseBody(body: string): unknown {
  if (body === '{}\n') return {};
  if (!body.endsWith('\n')) refuse();
  const lines: Line[] = [];
  for (const raw of body.slice(0, -1).split('\n')) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 0x20) indent++;
    let text = raw.slice(indent);
    // `- item` holds the item at two more columns: a dash line, then the item's first line.
    while (text.startsWith('- ')) {
      lines.push({ indent, text: '-' });
      indent += 2;
      text = text.slice(2);
    }
    if (text === '' || text.startsWith('#')) refuse();
    lines.push({ indent, text });
  }
  const reader = { lines, at: 0 };
  const value = block(reader, 0, 0);
  if (reader.at !== lines.length) refuse();
  return value;
}

/** A block collection at exactly `indent`: a sequence (dash lines) or a mapping (key lines). */
function block(reader: { lines: Line[]; at: number }, indent: number, depth: number): unknown {
  if (depth > MAX_DEPTH) refuse();
  const first = reader.lines[reader.at];
  if (!first || first.indent !== indent) return refuse();
  if (first.text === '-') {
    const items: unknown[] = [];
    while (reader.lines[reader.at]?.indent === indent && reader.lines[reader.at]!.text === '-') {
      reader.at++;
      const next = reader.lines[reader.at];
      if (!next || next.indent !== indent + 2) refuse();
      const entry = next!.text === '-' ? undefined : keyOf(next!.text);
      items.push(entry === undefined && next!.text !== '-' ? (reader.at++, inline(next!.text)) : block(reader, indent + 2, depth + 1));
    }
    return items;
  }
  const map: Record<string, unknown> = {};
  for (let line = reader.lines[reader.at]; line?.indent === indent && line.text !== '-'; line = reader.lines[reader.at]) {
    const entry = keyOf(line.text) ?? refuse();
    if (RESERVED_KEYS.has(entry.key) || Object.hasOwn(map, entry.key)) refuse();
    reader.at++;
    map[entry.key] = entry.rest === undefined ? block(reader, indent + 2, depth + 1) : inline(entry.rest);
  }
  return map;
}

/** `key: value` or `key:` (a block follows); undefined when the line is not a key line. */
function keyOf(text: string): { key: string; rest: string | undefined } | undefined {
  let key: string;
  let after: number;
  if (text.startsWith('"')) {
    const end = closingQuote(text);
    if (end < 0) return undefined;
    key = JSON.parse(text.slice(0, end + 1)) as string;
    after = end + 1;
  } else {
    const colon = text.indexOf(': ');
    after = colon >= 0 ? colon : text.endsWith(':') ? text.length - 1 : -1;
    if (after <= 0) return undefined;
    key = text.slice(0, after);
  }
  if (text[after] !== ':') return undefined;
  if (after + 1 === text.length) return { key, rest: undefined };
  if (text[after + 1] !== ' ') return undefined;
  return { key, rest: text.slice(after + 2) };
}

/** The index of the quote that ends the double-quoted scalar starting at 0; -1 if none. */
function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** A value on its key's (or dash's) line: a scalar, [] or {}. */
function inline(text: string): unknown {
  if (text === '[]') return [];
  if (text === '{}') return {};
  if (text.startsWith('"')) {
    if (closingQuote(text) !== text.length - 1) refuse();
    return JSON.parse(text) as unknown;
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (NUMBER.test(text)) return Number(text);
  // Anything else must be a string emitYaml writes plain; the round trip checks it is one.
  return text;
}
