/**
 * The table of every error the CLI can print: scans src/**\/*.ts for `new UsageError(`,
 * `new UnsafeError(`, `new PlatformError(`, `new CancelledError(` (and any other subclass of
 * PlatformError), and checks each has a stable code, a message, a hint (at the call or in its
 * class) and an exit code from the documented set.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE_HELP, ExitCode } from '../../src/core/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');
const DOCUMENTED_EXIT_CODES = new Set([0, 1, 2, 3, 4, 5, 6, 130, 255]);

/** Every error reaches the user with a hint: what to do next. */
const KNOWN_WITHOUT_HINT = new Set<string>([]);

interface ErrorSite {
  file: string;
  line: number;
  kind: string;
  code: string;
  /** The code is a string literal (false: forwarded, e.g. error.code). */
  literalCode: boolean;
  message: string;
  hasHint: boolean;
  exitCode: number | undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Index just after the string, template literal or comment starting at i (or i when none). */
function skipLiteral(src: string, i: number): number {
  const c = src[i];
  if (c === '/' && src[i + 1] === '/') return src.indexOf('\n', i) === -1 ? src.length : src.indexOf('\n', i);
  if (c === '/' && src[i + 1] === '*') return src.indexOf('*/', i + 2) + 2;
  if (c === "'" || c === '"') {
    for (let j = i + 1; j < src.length; j++) {
      if (src[j] === '\\') j++;
      else if (src[j] === c) return j + 1;
    }
    return src.length;
  }
  if (c === '`') {
    for (let j = i + 1; j < src.length; j++) {
      if (src[j] === '\\') j++;
      else if (src[j] === '`') return j + 1;
      else if (src[j] === '$' && src[j + 1] === '{') j = skipUntilClose(src, j + 2) - 1;
    }
    return src.length;
  }
  return i;
}

/** From inside a bracket, the index just after its matching closer. */
function skipUntilClose(src: string, i: number): number {
  let depth = 0;
  while (i < src.length) {
    const after = skipLiteral(src, i);
    if (after !== i) {
      i = after;
      continue;
    }
    const c = src[i]!;
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) return i + 1;
      depth--;
    }
    i++;
  }
  return i;
}

/** The top-level arguments of the call whose "(" is at open. */
function callArguments(src: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  let i = open + 1;
  while (i < src.length) {
    const after = skipLiteral(src, i);
    if (after !== i) {
      i = after;
      continue;
    }
    const c = src[i]!;
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) {
        args.push(src.slice(start, i).trim());
        return args.filter((a) => a !== '');
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(src.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  throw new Error(`unbalanced call at ${open}`);
}

const isStringLiteral = (text: string) => /^(['"`])[\s\S]*\1$/.test(text);
const literalText = (text: string) => text.slice(1, -1);

function exitCodeOf(text: string): number | undefined {
  const named = /^ExitCode\.(\w+)$/.exec(text);
  if (named) return (ExitCode as Record<string, number>)[named[1]!];
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Classes that extend PlatformError (directly or not), with their fixed exit code, code and hint if they set them. */
function errorClasses(files: string[]): Map<string, { exitCode?: number; code?: string; hint: boolean; args: 'code-message-details' | 'code-exit-message-details' | 'none' }> {
  const classes = new Map<string, { exitCode?: number; code?: string; hint: boolean; args: 'code-message-details' | 'code-exit-message-details' | 'none' }>([
    ['PlatformError', { hint: false, args: 'code-exit-message-details' }],
  ]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const file of files) {
      const src = readFileSync(file, 'utf8');
      for (const match of src.matchAll(/class (\w+) extends (\w+)\s*\{/g)) {
        const [, name, base] = match;
        if (classes.has(name!) || !classes.has(base!)) continue;
        const body = src.slice(match.index + match[0].length, skipUntilClose(src, match.index + match[0].length));
        const superAt = body.indexOf('super(');
        const superArgs = superAt === -1 ? [] : callArguments(body, superAt + 'super'.length);
        const ctor = /constructor\(([^)]*)\)/.exec(body)?.[1] ?? '';
        const baseInfo = classes.get(base!)!;
        const info: { exitCode?: number; code?: string; hint: boolean; args: 'code-message-details' | 'code-exit-message-details' | 'none' } = {
          hint: /\bhint\b/.test(superArgs.slice(3).join(',')) || baseInfo.hint,
          args: ctor.trim() === '' ? 'none' : /code.*message/.test(ctor) && !/exit/i.test(ctor) ? 'code-message-details' : 'code-exit-message-details',
        };
        if (base === 'PlatformError') {
          const exit = exitCodeOf(superArgs[1] ?? '');
          if (exit !== undefined) info.exitCode = exit;
          if (isStringLiteral(superArgs[0] ?? '')) info.code = literalText(superArgs[0]!);
          if (isStringLiteral(superArgs[2] ?? '')) info.hint = info.hint || false;
        } else if (baseInfo.exitCode !== undefined) info.exitCode = baseInfo.exitCode;
        classes.set(name!, info);
        changed = true;
      }
    }
  }
  return classes;
}

function scan(): ErrorSite[] {
  const files = sourceFiles(SRC);
  const classes = errorClasses(files);
  const names = [...classes.keys()].join('|');
  const sites: ErrorSite[] = [];
  for (const file of files) {
    const src = readFileSync(file, 'utf8');
    for (const match of src.matchAll(new RegExp(`new (${names})\\(`, 'g'))) {
      const kind = match[1]!;
      const info = classes.get(kind)!;
      const args = callArguments(src, match.index + match[0].length - 1);
      const line = src.slice(0, match.index).split('\n').length;
      const at = { file: relative(ROOT, file), line, kind };
      if (info.args === 'none') {
        sites.push({ ...at, code: info.code ?? '', literalCode: info.code !== undefined, message: '(set by the class)', hasHint: info.hint, exitCode: info.exitCode });
        continue;
      }
      const [codeArg = '', ...rest] = args;
      const exitArg = info.args === 'code-exit-message-details' ? rest.shift() : undefined;
      const [messageArg = '', detailsArg = ''] = rest;
      sites.push({
        ...at,
        code: isStringLiteral(codeArg) ? literalText(codeArg) : codeArg,
        literalCode: isStringLiteral(codeArg),
        message: messageArg,
        hasHint: info.hint || /\bhint\b/.test(detailsArg),
        exitCode: exitArg !== undefined ? exitCodeOf(exitArg) : info.exitCode,
      });
    }
  }
  return sites;
}

describe('the table of every error the CLI can print', () => {
  const sites = scan();

  it('finds the errors (the scanner works)', () => {
    expect(sites.length).toBeGreaterThan(50);
    expect(sites.some((s) => s.code === 'yaml-proto-key')).toBe(true);
    expect(sites.some((s) => s.code === 'template-file-too-large')).toBe(true);
  });

  it('every error has a stable code, a message, a hint and a documented exit code (table printed below)', () => {
    const rows = sites.map((s) => `${String(s.exitCode ?? '?').padStart(3)}  ${s.code.padEnd(34)} ${s.hasHint ? 'hint' : 'NO HINT'}  ${s.kind.padEnd(14)} ${s.file}:${s.line}`);
    console.log(`every error the CLI can print (${sites.length}):\nexit code                               hint     class          where\n${rows.join('\n')}`);

    for (const site of sites) {
      const where = `${site.file}:${site.line} (${site.kind})`;
      if (site.literalCode) expect(site.code, where).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      else expect(site.code, `${where}: a code that is not a literal must forward an existing error's code`).toMatch(/^\w+(\.\w+)*\.code$/);
      expect(site.message.length, `${where}: message`).toBeGreaterThan(0);
      if (isStringLiteral(site.message)) expect(literalText(site.message).trim().length, `${where}: message`).toBeGreaterThan(0);
      expect(site.exitCode, `${where}: exit code`).toBeDefined();
      expect(DOCUMENTED_EXIT_CODES.has(site.exitCode!), `${where}: exit code ${site.exitCode}`).toBe(true);
    }
  });

  it('every error has a hint', () => {
    const withoutHint = sites.filter((s) => !s.hasHint);
    console.log(`errors without a hint (${withoutHint.length}):\n${withoutHint.map((s) => `  ${s.code} at ${s.file}:${s.line}`).join('\n')}`);
    const unexpected = withoutHint.filter((s) => !KNOWN_WITHOUT_HINT.has(`${s.code} in ${s.file}`));
    expect(unexpected.map((s) => `${s.code} at ${s.file}:${s.line}`)).toEqual([]);
  });

  it('the documented exit codes are the ones --help lists (plus 255 for merge-file)', () => {
    expect(new Set([...EXIT_CODE_HELP.map(([code]) => code), ExitCode.mergeFileError])).toEqual(DOCUMENTED_EXIT_CODES);
  });
});
