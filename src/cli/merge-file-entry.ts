/**
 * `platform merge-file` on its own: git runs it once per file as a merge driver, so it loads only
 * what a merge needs (no commander, zod, handlebars or prompts; yaml and diff only when a
 * structured merge is tried). bin/platform.js comes here when argv[2] is merge-file. Same
 * options, output and exit status as the command in main.ts, which stays for --help.
 */
import { writeSync } from 'node:fs';
import { PlatformError } from '../core/errors.js';
import { runMergeFile, type MergeFileOptions } from './merge-file.js';

import { mergeFile } from '../merge/merge-file.js';

export { mergeFile };

const workflow = (jobs: string) => `name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4 # v4\n      - name: test\n        run: npm test\n${jobs}`;
const manifest = (version: string, test: string) => `{\n  "name": "a",\n  "version": "${version}",\n  "scripts": {\n    "test": "${test}"\n  }\n}\n`;
/** The merges a driver meets most: YAML and JSON whose lines merge cleanly or conflict where the data does not, and text. */
const training = (): Array<[path: string, base: string, ours: string, theirs: string]> => [
  ['ci.yml', workflow(''), workflow('  e2e:\n    runs-on: ubuntu-latest\n'), workflow('  lint:\n    runs-on: ubuntu-latest\n')],
  ['ci.yml', workflow(''), workflow('').replace('ubuntu-latest', 'ubuntu-24.04'), workflow('  lint:\n    runs-on: ubuntu-latest\n')],
  ['package.json', manifest('1.0.0', 'vitest'), manifest('1.1.0', 'vitest'), manifest('1.0.0', 'vitest run')],
  ['package.json', manifest('1.0.0', 'vitest'), manifest('1.0.0', 'vitest run').replace('"a"', '"b"'), manifest('1.0.0', 'vitest').replace('\n}', ',\n  "private": true\n}')],
  ['notes.txt', 'a\nb\nc\n', 'a\nB\nc\n', 'a\nb2\nc\n'],
];

/**
 * Runs the merges of training() once, in this process, before bin/code-cache.js saves the code
 * cache: the cache then holds what each kind of merge runs, not only what the run that saved it
 * ran (a first merge of text would leave YAML to compile on every later run). Lines merge by
 * diff3 here, so no git and no file is touched. Rarer paths (both sides changed the same value)
 * compile when a merge needs them: a cache of the whole program was half as large again and
 * ~0.4 ms slower to load on every run.
 */
export async function trainCodeCache(): Promise<Array<{ path: string; method: string; conflicts: number }>> {
  const { diff3Merger } = await import('../merge/text.js');
  const bytes = (text: string) => new TextEncoder().encode(text);
  const done = [];
  for (const [path, base, ours, theirs] of training()) {
    const result = await mergeFile({ path, base: bytes(base), ours: bytes(ours), theirs: bytes(theirs), labels: { ours: 'ours', base: 'base', theirs: 'theirs' }, textMerger: diff3Merger });
    done.push({ path, method: result.method, conflicts: result.conflicts });
  }
  return done;
}

/** Where main() writes, and (for --line-merge -; default: file descriptor 0) what it reads. */
interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  readStdin?: (limit: number) => Uint8Array | undefined;
}

/**
 * Runs `platform merge-file ARGS` and returns the exit status: the number of conflicts (at most
 * 127), 255 on error. undefined: --help or an option this parser does not know, which the full
 * CLI answers exactly as before.
 */
export async function main(args: string[], streams: Streams = syncStreams, cwd = process.cwd()): Promise<number | undefined> {
  try {
    const parsed = parseArgs(args);
    if (parsed === 'delegate') return undefined;
    return await runMergeFile(parsed.files, parsed.options, { cwd, stdout: streams.stdout as never, stderr: streams.stderr as never, readStdin: streams.readStdin });
  } catch (error) {
    if (error instanceof PlatformError) {
      streams.stderr.write(`error ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
      return 255;
    }
    streams.stderr.write(`error merge-file failed: ${(error as Error).message}\n`);
    return 255;
  }
}

let handedOver = false;

/**
 * Writes to a descriptor with writeSync, so the output is out when main() resolves and the
 * process may exit at once (bin/launch.js: exitAtOnce). process.stdout would cost a stream (a
 * socket for a pipe) and, on macOS, write a pipe asynchronously. Where writeSync fails (a
 * non-blocking pipe that is full: EAGAIN; a closed one: EPIPE) the rest goes through Node's
 * stream, as before: it drains or reports the error its way, and the process exits as usual.
 */
function syncWriter(fd: number, stream: () => NodeJS.WritableStream): NodeJS.WritableStream {
  const write = (chunk: string | Uint8Array): boolean => {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!handedOver) {
      try {
        while (bytes.length > 0) bytes = bytes.subarray(writeSync(fd, bytes));
        return true;
      } catch {
        handedOver = true;
      }
    }
    return stream().write(bytes);
  };
  return { write } as unknown as NodeJS.WritableStream;
}

const syncStreams = { stdout: syncWriter(1, () => process.stdout), stderr: syncWriter(2, () => process.stderr) };

/**
 * True when everything main() printed is written: bin/launch.js then exits at once, without
 * giving V8's pending housekeeping (a scavenge of the young generation after a YAML parse, about
 * 1 ms) a turn of the event loop first. git runs this once per file.
 */
export const exitAtOnce = (): boolean => !handedOver;

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
    '--line-merge': (v) => (options.lineMerge = v),
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
