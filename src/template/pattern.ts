import { createRequire } from 'node:module';
import type { RE2JS as RE2JSType } from 're2js';

// Loaded on the first pattern, not at start-up: re2js is ~250 KB of Unicode tables and most
// commands never compile a pattern. (A runtime require, so the bundle leaves it out.)
let engine: typeof RE2JSType | undefined;
function re2(): typeof RE2JSType {
  engine ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSType }).RE2JS;
  return engine;
}

/**
 * Template `pattern`s, compiled once, matched in linear time. A template is untrusted input and
 * JavaScript's RegExp backtracks: `^(a+)+$` against "aaaa…!" never returns. RE2 (re2js, a port
 * of Google's engine) cannot backtrack, so no pattern can hang the CLI; the price is that
 * lookaround and backreferences do not exist, and a template that uses them is refused at load.
 */
export interface CompiledPattern {
  /** Whether text holds a match anywhere (as RegExp.prototype.test without ^/$). */
  test(text: string): boolean;
}

export type PatternResult = { ok: true; pattern: CompiledPattern } | { ok: false; reason: string };

const cache = new Map<string, PatternResult>();

/**
 * A regular expression built by our own code from template input (a glob), matched against the
 * whole text in linear time. JavaScript's engine would backtrack: `**a**a**a**b` turned into
 * `.*a.*a.*a.*b` takes minutes on a 60-character path.
 */
export function wholeMatcher(source: string): (text: string) => boolean {
  const re = re2().compile(source);
  return (text) => re.matches(text);
}

/** The one place a template pattern becomes something that runs: load, lint and answers use it. */
export function compilePattern(source: string): PatternResult {
  let result = cache.get(source);
  if (!result) {
    result = compile(source);
    // Templates hold a handful of patterns; the cap only keeps a hostile stream of them bounded.
    if (cache.size < 1000) cache.set(source, result);
  }
  return result;
}

function compile(source: string): PatternResult {
  // The pattern must mean the same to editors and JSON Schema tools (JavaScript, u flag)...
  try {
    new RegExp(source, 'u');
  } catch (error) {
    return { ok: false, reason: `is not a valid regular expression (${(error as Error).message})` };
  }
  // ...and must be one the linear-time engine runs.
  try {
    const re = re2().compile(toRe2Syntax(source));
    return { ok: true, pattern: { test: (text) => re.matcher(text).find() } };
  } catch (error) {
    const detail = (error as Error).message.replace(/^error parsing regexp: /, '');
    return {
      ok: false,
      reason: `uses syntax the linear-time pattern engine does not run (${detail}); lookahead, lookbehind and backreferences are not supported`,
    };
  }
}

/** JavaScript's \uXXXX and \u{X…} escapes in RE2's spelling (\x{X…}); all else is the same. */
function toRe2Syntax(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = source[i + 1] ?? '';
    if (next === 'u') {
      const braced = /^u\{([0-9a-fA-F]+)\}/.exec(source.slice(i + 1));
      const plain = /^u([0-9a-fA-F]{4})/.exec(source.slice(i + 1));
      const match = braced ?? plain;
      if (match) {
        out += `\\x{${match[1]}}`;
        i += match[0].length;
        continue;
      }
    }
    out += c + next;
    i++;
  }
  return out;
}
