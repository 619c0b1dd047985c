/**
 * YAML text for plain data (the lockfile), written directly: building the yaml library's document
 * tree cost about 70 ms for a 400-file lockfile. Block style like the library's (sequences
 * indented under their key); a string is plain only when every YAML reader (1.1 and 1.2) reads
 * it back as that same string, else it is double-quoted with JSON escapes (a subset of YAML's).
 * Strings with a digit or a dot first are plain only when they cannot be a number or a date.
 */

/** Words YAML 1.1 or 1.2 read as booleans, null, infinity or not-a-number. */
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~|\.inf|\.nan)$/i;
/** A conservative plain scalar: no indicator first, no quote or comment characters, no trailing space or colon. */
const PLAIN = /^[A-Za-z0-9_./](?:[A-Za-z0-9_./@+~=:()* -]*[A-Za-z0-9_./@+~=()*-])?$/;
/** Only number and timestamp characters (with a digit or a dot first): YAML may read it as one. */
const NUMBER_LIKE = /^[0-9+\-.:_eExXoObB ,tTzZ]*$/;
/** Hexadecimal, octal (1.2) and binary (1.1) integers. */
const RADIX = /^0(?:[xX][0-9a-fA-F_]*|[oO][0-7_]*|[bB][01_]*)$/;
/** Versions: digits first but never a number (two dots), optional pre-release and build. */
const VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*[0-9A-Za-z])?$/;
/** YAML's implicit keys end at 1024 characters; longer ones need the explicit `? key` form. */
const IMPLICIT_KEY_LIMIT = 1000;

function isPlain(text: string): boolean {
  if (VERSION.test(text)) return true;
  if (!PLAIN.test(text) || RESERVED.test(text) || text.includes(': ') || text.includes('  ')) return false;
  const numeric = /^[0-9.]/.test(text);
  return !numeric || (!NUMBER_LIKE.test(text) && !RADIX.test(text));
}

/** JSON's escapes, plus those JSON leaves raw but YAML does not accept or may fold (DEL, C1, BOM, separators, lone surrogates). */
function quoted(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (typeof value === 'bigint') return String(value);
  const text = String(value);
  return isPlain(text) ? text : quoted(text);
}

const isCollection = (value: unknown): value is object => typeof value === 'object' && value !== null;
const isEmpty = (value: object): boolean => (Array.isArray(value) ? value.length === 0 : Object.values(value).every((v) => v === undefined));

/** What follows `key:` or `-`: a scalar or an empty collection on the same line, else an indented block. */
function inline(value: unknown): string | undefined {
  if (!isCollection(value)) return scalar(value);
  if (isEmpty(value)) return Array.isArray(value) ? '[]' : '{}';
  return undefined;
}

/** A non-empty collection as block lines at `indent` (each line ends with a newline). */
function block(value: object, indent: string): string {
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      const same = inline(item);
      // `- key: value` / `- - item`: the item's first line shares the dash's line.
      out += same !== undefined ? `${indent}- ${same}\n` : `${indent}- ${block(item as object, `${indent}  `).slice(indent.length + 2)}`;
    }
    return out;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const name = scalar(key);
    const same = inline(item);
    const nested = () => block(item as object, `${indent}  `);
    if (name.length > IMPLICIT_KEY_LIMIT) out += `${indent}? ${name}\n${indent}:${same !== undefined ? ` ${same}\n` : `\n${nested()}`}`;
    else out += `${indent}${name}:${same !== undefined ? ` ${same}\n` : `\n${nested()}`}`;
  }
  return out;
}

/** A YAML document for a mapping of plain data (JSON-like: no cycles, no class instances). */
export function emitYaml(value: Record<string, unknown>): string {
  return isEmpty(value) ? '{}\n' : block(value, '');
}
