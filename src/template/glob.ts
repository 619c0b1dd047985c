/**
 * Globs for file rules: `*` within a segment, `**` across segments, `?`, `{a,b}`.
 * Dot files match like any other file: a rule is about paths, not about hiding.
 */
export function globToRegExp(glob: string): RegExp {
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
      const options = glob.slice(i + 1, end).split(',').map((o) => globToRegExp(o).source.slice(1, -1));
      source += `(?:${options.join('|')})`;
      i = end;
    } else {
      source += char.replace(/[.+^$()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

export function matchesGlob(path: string, glob: string): boolean {
  return globToRegExp(glob).test(path);
}
