/**
 * `platform merge-file` on its own: git runs it once per file as a merge driver, so it loads only
 * what a merge needs (no commander, zod, handlebars or prompts; yaml and diff only when a
 * structured merge is tried). bin/platform.js comes here when argv[2] is merge-file. Same
 * options, output and exit status as the command in main.ts, which stays for --help.
 */
import { PlatformError } from '../core/errors.js';
import { runMergeFile, type MergeFileOptions } from './merge-file.js';

export { mergeFile } from '../merge/merge-file.js';
export { gitTextMerger } from '../merge/git-merge-file.js';

/**
 * Runs `platform merge-file ARGS` and returns the exit status: the number of conflicts (at most
 * 127), 255 on error. undefined: --help or an option this parser does not know, which the full
 * CLI answers exactly as before.
 */
export async function main(args: string[], streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process, cwd = process.cwd()): Promise<number | undefined> {
  try {
    const parsed = parseArgs(args);
    if (parsed === 'delegate') return undefined;
    return await runMergeFile(parsed.files, parsed.options, { cwd, stdout: streams.stdout as never, stderr: streams.stderr as never });
  } catch (error) {
    if (error instanceof PlatformError) {
      streams.stderr.write(`error ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
      return 255;
    }
    streams.stderr.write(`error merge-file failed: ${(error as Error).message}\n`);
    return 255;
  }
}

/** commander's spellings of the same options: -p/--stdout, -L/--label (repeatable), --opt value and --opt=value. */
function parseArgs(args: string[]): { files: string[]; options: MergeFileOptions } | 'delegate' {
  const options: MergeFileOptions = { format: 'auto', label: [] };
  const files: string[] = [];
  const valued: Record<string, (value: string) => void> = {
    '-L': (v) => options.label.push(v),
    '--label': (v) => options.label.push(v),
    '--format': (v) => (options.format = v as MergeFileOptions['format']),
    '--path': (v) => (options.path = v),
    '--marker-size': (v) => (options.markerSize = v),
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      files.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') return 'delegate';
    if (arg === '-p' || arg === '--stdout') {
      options.stdout = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg.startsWith('-L') && arg.length > 2 ? '-L' : arg;
    const setter = valued[name];
    if (setter) {
      const value = eq > 0 ? arg.slice(eq + 1) : name === '-L' && arg.length > 2 ? arg.slice(2) : args[++i];
      if (value === undefined) return 'delegate';
      setter(value);
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') return 'delegate';
    files.push(arg);
  }
  // commander's choices check, with its own message and status.
  if (!['auto', 'yaml', 'json', 'text'].includes(options.format)) return 'delegate';
  return { files, options };
}
