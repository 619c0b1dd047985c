import { createTwoFilesPatch } from 'diff';
import type { ChalkInstance } from 'chalk';
import { isText } from '../merge/conflict.js';

const decoder = new TextDecoder();

/** A coloured unified diff of one file, as git shows it. */
export function unifiedDiff(path: string, before: Uint8Array | undefined, after: Uint8Array | undefined, color: ChalkInstance, labels = { before: 'a', after: 'b' }): string {
  if ((before && !isText(before)) || (after && !isText(after))) return color.dim(`Binary file ${path} differs\n`);
  const patch = createTwoFilesPatch(
    before ? `${labels.before}/${path}` : '/dev/null',
    after ? `${labels.after}/${path}` : '/dev/null',
    before ? decoder.decode(before) : '',
    after ? decoder.decode(after) : '',
    undefined,
    undefined,
    { context: 3 },
  );
  return patch
    .split('\n')
    .slice(1) // jsdiff's "Index:"/"====" header line is not git's
    .filter((line) => !/^={10,}$/.test(line))
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return color.bold(line);
      if (line.startsWith('@@')) return color.cyan(line);
      if (line.startsWith('+')) return color.green(line);
      if (line.startsWith('-')) return color.red(line);
      return line;
    })
    .join('\n');
}
