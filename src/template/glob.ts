import { wholeMatcher } from './pattern.js';

/**
 * Globs for file rules: `*` within a segment, `**` across segments, `?`, `{a,b}`.
 * Dot files match like any other file: a rule is about paths, not about hiding.
 * A template's globs are untrusted input, so they are matched in linear time (RE2), never by
 * JavaScript's backtracking engine; a glob without wildcards is a plain comparison.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  if (!/[*?{]/.test(glob)) return (path) => path === glob;
  return wholeMatcher(globSource(glob));
}

/** The regular expression a glob stands for (RE2 and JavaScript read it alike), unanchored. */
function globSource(glob: string): string {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        const atSegmentEnd = glob[i + 2] === '/';
        source += atSegmentEnd ? '(?:.*/)?' : '.*';
        i += atSegmentEnd ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '{') {
      const end = glob.indexOf('}', i);
      if (end === -1) {
        source += '\\{';
        continue;
      }
      const options = glob.slice(i + 1, end).split(',').map(globSource);
      source += `(?:${options.join('|')})`;
      i = end;
    } else {
      source += char.replace(/[.+^$()|[\]\\]/g, '\\$&');
    }
  }
  return source;
}
