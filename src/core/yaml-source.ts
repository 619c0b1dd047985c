import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { UsageError, type Location } from './errors.js';

/** A parsed YAML (or JSON) file that can still say on which line each value stood. */
export interface SourceData {
  data: unknown;
  locate(path: ReadonlyArray<PropertyKey>): Location;
}

export function parseYamlSource(text: string, file: string, what: string): SourceData {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, schema: 'core' });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    throw new UsageError('yaml-parse', `${what} ${file} is not valid YAML: ${firstError.message.split('\n')[0]}`, {
      where: { file, line: pos.line, column: pos.col },
      hint: `Fix the syntax at line ${pos.line} of ${file}.`,
    });
  }
  rejectPrototypeKeys(doc.contents, file, lineCounter, what);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    // An alias without its anchor, or too many aliases: bad input, not a bug.
    throw new UsageError('yaml-parse', `${what} ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
      where: { file },
      hint: `Fix the anchors and aliases (&name, *name) in ${file}.`,
    });
  }
  return {
    data,
    locate(path) {
      // Walk up until a node with a position is found (a missing key points at its parent).
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth) as unknown[], true) as Node | undefined;
        const offset = node && typeof node === 'object' && 'range' in node ? node.range?.[0] : undefined;
        if (offset !== undefined) {
          const keyOffset = depth > 0 ? keyRange(doc.contents, path.slice(0, depth)) : undefined;
          const pos = lineCounter.linePos(keyOffset ?? offset);
          return { file, line: pos.line, column: pos.col };
        }
      }
      return { file };
    },
  };
}

/** Offset of the key that holds the value at path, so errors point at "port:" not at its value. */
function keyRange(root: unknown, path: ReadonlyArray<PropertyKey>): number | undefined {
  let node: unknown = root;
  let keyOffset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (!pair) return undefined;
      keyOffset = (pair.key as Node).range?.[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      keyOffset = (node as Node | undefined)?.range?.[0];
    } else {
      return undefined;
    }
  }
  return keyOffset;
}

function rejectPrototypeKeys(node: unknown, file: string, lineCounter: LineCounter, what: string): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = (pair.key as { value?: unknown } | null)?.value;
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        const pos = lineCounter.linePos((pair.key as Node).range?.[0] ?? 0);
        throw new UsageError('yaml-proto-key', `${what} ${file} uses the reserved key "${String(key)}".`, {
          where: { file, line: pos.line, column: pos.col },
          hint: 'Rename or remove that key: it could change how every object behaves.',
        });
      }
      rejectPrototypeKeys(pair.value, file, lineCounter, what);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) rejectPrototypeKeys(item, file, lineCounter, what);
  }
}

/** Validate with zod; report every problem with its file, line and field. */
export function validateSource<T>(schema: z.ZodType<T>, source: SourceData, file: string, what: string): T {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = source.locate(issue.path);
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `${where.line !== undefined ? `line ${where.line}` : file}: ${field}: ${issue.message}`;
  });
  const first = result.error.issues[0]!;
  throw new UsageError('schema', `${what} ${file} is invalid: ${problems[0]}`, {
    where: source.locate(first.path),
    problems: problems.slice(1),
    hint: `Fix ${file} and run the command again.`,
  });
}
