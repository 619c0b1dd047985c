import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import type { z } from 'zod';
import { UsageError, type Location } from './errors.js';

/** A parsed YAML (or JSON) file that can still say on which line each value stood. */
export interface SourceData {
  data: unknown;
  locate(path: ReadonlyArray<PropertyKey>): Location;
}

/**
 * Size caps per kind of input, in bytes: far above any real file, far below what would make a
 * parse take minutes or eat the memory of a CI runner. A lockfile records every file of every
 * component, so it gets the most room.
 */
export const MAX_INPUT_BYTES = {
  answers: 1024 * 1024,
  config: 1024 * 1024,
  template: 4 * 1024 * 1024,
  lockfile: 64 * 1024 * 1024,
} as const;
export type InputKind = keyof typeof MAX_INPUT_BYTES;

/** Aliases a document may expand (YAML's "billion laughs"): real inputs use none or a few. */
export const MAX_ALIAS_COUNT = 100;

/** The cap that applies to a `what` (the name each caller already gives its input). */
function kindOf(what: string): InputKind {
  if (what === 'Answers file') return 'answers';
  if (what === 'Config') return 'config';
  if (what === 'Lockfile') return 'lockfile';
  return 'template';
}

/**
 * The one reader of YAML/JSON input: size-capped, alias-limited, linear in its input (duplicate
 * and reserved keys are found in one walk, not by the parser's quadratic uniqueKeys check).
 */
export function parseYamlSource(text: string, file: string, what: string): SourceData {
  const kind = kindOf(what);
  // UTF-16 units never outnumber UTF-8 bytes, so this is a true lower bound of the file's size.
  if (text.length > MAX_INPUT_BYTES[kind]) throw tooLarge(file, what, text.length, MAX_INPUT_BYTES[kind]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, schema: 'core' });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    throw new UsageError('yaml-parse', `${what} ${file} is not valid YAML: ${firstError.message.split('\n')[0]}`, {
      where: { file, line: pos.line, column: pos.col },
      hint: `Fix the syntax at line ${pos.line} of ${file}.`,
    });
  }
  const index = checkKeys(doc.contents, file, lineCounter, what);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (error) {
    // yaml throws a ReferenceError for an alias bomb (or an alias to nothing): input, not a bug.
    if (!(error instanceof ReferenceError)) throw error;
    throw new UsageError('yaml-aliases', `${what} ${file} uses YAML aliases (*name) too much or wrongly: ${error.message}.`, {
      where: { file },
      hint: `Write the values out instead of using anchors and aliases (at most ${MAX_ALIAS_COUNT} alias expansions).`,
    });
  }
  return {
    data,
    locate(path) {
      // Walk down as far as the path goes; a missing key points at its parent.
      let node: unknown = doc.contents;
      let offset = (node as Node | null)?.range?.[0];
      for (const segment of path) {
        if (isMap(node)) {
          const pair = index.get(node)?.get(segment);
          if (!pair) break;
          offset = (pair.key as Node | null)?.range?.[0] ?? offset;
          node = pair.value;
        } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
          node = node.items[segment];
          offset = (node as Node).range?.[0] ?? offset;
        } else {
          break;
        }
      }
      if (offset === undefined) return { file };
      const pos = lineCounter.linePos(offset);
      return { file, line: pos.line, column: pos.col };
    },
  };
}

function tooLarge(file: string, what: string, size: number, max: number): UsageError {
  return new UsageError('input-too-large', `${what} ${file} is too large (${size} bytes; at most ${max} are read).`, {
    where: { file },
    hint: `Check that ${file} is the file you meant; a ${what.toLowerCase()} is never that large.`,
  });
}

/** The key a pair is looked up by: scalars by value (as yaml's own uniqueKeys), others by node. */
function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

/**
 * One iterative walk (deep nesting cannot overflow the stack): refuses duplicate keys and keys
 * that would reach Object.prototype, each with its line, and indexes every map's keys so that
 * locate() is constant-time per segment (an answers file of 50,000 keys locates each in O(1)).
 */
function checkKeys(root: unknown, file: string, lineCounter: LineCounter, what: string): Map<YAMLMap, Map<unknown, Pair>> {
  const index = new Map<YAMLMap, Map<unknown, Pair>>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const keys = new Map<unknown, Pair>();
      index.set(node, keys);
      for (const pair of node.items) {
        const key = keyOf(pair);
        const at = (): { file: string; line: number; column: number } => {
          const pos = lineCounter.linePos((pair.key as Node | null)?.range?.[0] ?? 0);
          return { file, line: pos.line, column: pos.col };
        };
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
          throw new UsageError('yaml-proto-key', `${what} ${file} uses the reserved key "${String(key)}".`, {
            where: at(),
            hint: 'Rename or remove that key: it could change how every object behaves.',
          });
        }
        if (keys.has(key)) {
          const where = at();
          throw new UsageError('yaml-parse', `${what} ${file} is not valid YAML: Map keys must be unique ("${String(key)}" appears twice).`, {
            where,
            hint: `Fix the syntax at line ${where.line} of ${file}: keep one "${String(key)}".`,
          });
        }
        keys.set(key, pair);
      }
      // Reversed, so problems are found in the order they appear in the file.
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]!.value);
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  return index;
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
