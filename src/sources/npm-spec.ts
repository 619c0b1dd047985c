import { isAbsolute, posix } from 'node:path';
import { UnsafeError, UsageError } from '../core/errors.js';

/**
 * A template kept in an npm package, as `--template` names it:
 *   npm:PACKAGE[@RANGE][//SUB/PATH]        (a registry package; RANGE: exact, ^, ~, x, or a dist-tag)
 *   npm:file:/ABS/PATH/PKG.tgz[//SUB/PATH] (a packed tarball on disk, for tests and local use)
 * The lockfile records `npm:PACKAGE[//SUB]` or `npm:file:/ABS/PKG.tgz[//SUB]` (no range).
 */
export type NpmSpec =
  | { kind: 'registry'; name: string; range: string | undefined; subpath: string }
  | { kind: 'file'; path: string; range: undefined; subpath: string };

const HINT = 'npm templates: npm:PACKAGE[@RANGE][//SUB/FOLDER] (e.g. npm:@acme/templates@^2//service) or npm:file:/ABS/PATH/PKG.tgz.';
const NAME = /^(?:@[a-z0-9~][a-z0-9._~-]*\/)?[a-z0-9~][a-z0-9._~-]*$/;
const RANGE = /^[A-Za-z0-9.^~*<>=|+ -]+$/;

/** Whether a --template (or a lockfile source) names an npm package. */
export function isNpmSpec(spec: string): boolean {
  return spec.startsWith('npm:');
}

export const isNpmSource = isNpmSpec;

/** Parses a --template npm spec; refuses names and ranges that could be read as npm options. */
export function parseNpmSpec(spec: string): NpmSpec {
  if (!isNpmSpec(spec)) throw new UsageError('npm-spec', `"${spec}" is not an npm template source.`, { hint: HINT });
  let body = spec.slice('npm:'.length);
  if (/[\0\n\r\t]/.test(body)) throw new UsageError('npm-spec', `"${spec}" holds control characters.`, { hint: HINT });
  if (body.startsWith('file:')) {
    let path = body.slice('file:'.length);
    if (path.startsWith('///')) path = path.slice(2);
    let subpath = '';
    const sub = path.indexOf('//', 1);
    if (sub >= 0) {
      subpath = checkSubpath(path.slice(sub + 2), spec);
      path = path.slice(0, sub);
    }
    if (!isAbsolute(path) || !/\.(tgz|tar\.gz|tar)$/.test(path)) {
      throw new UsageError('npm-spec', `"${spec}": npm:file: takes the absolute path of a packed tarball (.tgz).`, { hint: HINT });
    }
    return { kind: 'file', path: posix.normalize(path), range: undefined, subpath };
  }
  let subpath = '';
  const sub = body.indexOf('//');
  if (sub >= 0) {
    subpath = checkSubpath(body.slice(sub + 2), spec);
    body = body.slice(0, sub);
  }
  // @RANGE: the '@' after the name (a scope's '@' is the first character).
  const at = body.indexOf('@', 1);
  const name = at >= 0 ? body.slice(0, at) : body;
  const range = at >= 0 ? body.slice(at + 1).trim() : undefined;
  refuseDash(name, spec, 'package name');
  if (!NAME.test(name) || name.length > 214) throw new UsageError('npm-name', `"${spec}": "${name}" is not an npm package name.`, { hint: HINT });
  if (range !== undefined) {
    refuseDash(range, spec, 'version range');
    if (range === '' || !RANGE.test(range)) throw new UsageError('npm-range', `"${spec}": "${range}" is not a version, range or dist-tag.`, { hint: HINT });
  }
  return { kind: 'registry', name, range, subpath };
}

/** Parses a lockfile's `npm:` source (a spec without a range). */
export function parseNpmSource(source: string): NpmSpec {
  const spec = parseNpmSpec(source);
  if (spec.range !== undefined) {
    throw new UsageError('npm-source', `"${source}": a recorded npm source names no version range.`, { hint: 'Record npm:PACKAGE[//SUB] in .platform.yaml; the version is the entry\'s version.' });
  }
  return spec;
}

/** What .platform.yaml records: `npm:PACKAGE[//SUB]` or `npm:file:/ABS/PKG.tgz[//SUB]`. */
export function npmSourceLabel(spec: NpmSpec): string {
  const base = spec.kind === 'file' ? `npm:file:${spec.path}` : `npm:${spec.name}`;
  return `${base}${spec.subpath ? `//${spec.subpath}` : ''}`;
}

function checkSubpath(raw: string, spec: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  for (const part of parts) {
    if (part === '..') throw new UnsafeError('npm-subpath', `"${spec}": the subfolder may not leave the package (..).`, { hint: HINT });
  }
  if (parts.length === 0) throw new UsageError('npm-spec', `"${spec}": // names no subfolder.`, { hint: HINT });
  return posix.join(...parts);
}

function refuseDash(part: string, spec: string, what: string): void {
  if (part.startsWith('-')) {
    throw new UnsafeError('npm-option-injection', `"${spec}": the ${what} "${part}" starts with "-" and could be read as an npm option; it is refused.`, { hint: HINT });
  }
}

/**
 * Whether a version satisfies a simple range: exact (1.2.3), x-ranges (1, 1.2, 1.x, *), ^ and ~,
 * and `A || B`. Used offline, where npm cannot be asked; other ranges match nothing.
 */
export function satisfies(version: string, range: string): boolean {
  const v = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+.*)?$/.exec(version);
  if (!v) return false;
  const [maj, min, pat] = [Number(v[1]), Number(v[2]), Number(v[3])];
  const pre = v[4] !== undefined;
  return range.split('||').some((alt) => {
    const r = alt.trim();
    if (r === '' || r === '*' || r === 'x' || r === 'latest') return !pre;
    const m = /^([\^~]|=)?v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?$/.exec(r);
    if (!m) return false;
    const op = m[1] ?? '';
    const parts = [m[2], m[3], m[4]].map((p) => (p === undefined || /[xX*]/.test(p) ? undefined : Number(p)));
    const [a, b, c] = parts;
    if (pre && (m[5] === undefined || `${a}.${b}.${c}` !== `${maj}.${min}.${pat}`)) return false;
    if (m[5] !== undefined) {
      if (op === '' || op === '=') return version === `${a}.${b}.${c}${m[5]}`;
    }
    const cmp = (x: number[], y: number[]): number => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
    const cur = [maj, min, pat];
    if (op === '^' && a !== undefined) {
      const low = [a, b ?? 0, c ?? 0];
      if (cmp(cur, low) < 0) return false;
      if (a > 0 || b === undefined) return maj === a;
      if (b > 0 || c === undefined) return maj === 0 && min === b;
      return maj === 0 && min === 0 && pat === c;
    }
    if (op === '~' && a !== undefined) {
      if (cmp(cur, [a, b ?? 0, c ?? 0]) < 0) return false;
      return b === undefined ? maj === a : maj === a && min === b;
    }
    if (a !== undefined && maj !== a) return false;
    if (b !== undefined && min !== b) return false;
    if (c !== undefined && pat !== c) return false;
    return a !== undefined || op === '';
  });
}
