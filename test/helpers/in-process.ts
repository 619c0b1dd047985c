/**
 * Commands run in-process through the CLI's own entry (`run(bin, argv, ctx)`) on an injected
 * file system: fast, no spawn, no packing. The e2e tests keep one run per command of the packed
 * binary; everything else about a command's behaviour can be asserted here.
 */
import { expect } from 'vitest';
import type { Fs } from '../../src/core/fs.js';
import { PlatformError } from '../../src/core/errors.js';
import type { CliContext } from '../../src/cli/context.js';
import { run, type BinName } from '../../src/cli/main.js';
import type { GitPort } from '../../src/steps/git-port.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  bin?: BinName;
  /** git on the repository (default: the real one, which finds no repository on memfs paths). */
  git?: GitPort;
  /** The Node.js version the CLI "runs on" (compared with a generated package.json's engines). */
  node?: string;
}

/** `platform ARGS` (or create-service) on fs, with no terminal and colour off. */
export async function runInProcess(fs: Fs, args: string[], options: InProcessOptions): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    cwd: options.cwd,
    env: { NO_COLOR: '1', ...options.env },
    stdin: { isTTY: false } as unknown as CliContext['stdin'],
    stdout: { isTTY: false, write: (chunk: string) => ((stdout += chunk), true) } as unknown as CliContext['stdout'],
    stderr: { isTTY: false, write: (chunk: string) => ((stderr += chunk), true) } as unknown as CliContext['stderr'],
    fs,
    version: '9.9.9',
    pid: 1,
    isRunning: () => false,
    self: [],
    onCancel: () => undefined,
    ...(options.git ? { git: options.git } : {}),
    ...(options.node ? { node: options.node } : {}),
  };
  const code = await run(options.bin ?? 'platform', args, ctx);
  return { code, stdout, stderr };
}

/** The PlatformError fn throws; fails the test when it throws nothing or something else. */
export function thrownPlatformError(fn: () => unknown): PlatformError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    return error as PlatformError;
  }
  throw new Error('expected a PlatformError, nothing was thrown');
}

/** A git port that records every call: `dirty` paths are reported as uncommitted, the repository is at `repository` (if any). */
export function recordingGit(options: { dirty?: string[]; repository?: string; unmerged?: string[]; moved?: Record<string, string>; committed?: boolean } = {}): GitPort & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    uncommitted: async (root, paths) => {
      calls.push(`uncommitted ${paths.join(' ')}`);
      return paths.filter((p) => options.dirty?.includes(p));
    },
    recordUnmerged: async (_root, conflicts) => {
      calls.push(`unmerged ${conflicts.map((c) => c.path).join(' ')}`);
      return options.repository !== undefined;
    },
    stage: async (_root, paths) => {
      calls.push(`stage ${paths.join(' ')}`);
      return options.repository !== undefined ? 'staged' : 'not-a-repository';
    },
    unmerged: async () => options.unmerged ?? [],
    moved: async (_root, missing) => {
      calls.push(`moved ${missing.join(' ')}`);
      return new Map(missing.filter((p) => options.moved?.[p] !== undefined).map((p) => [p, options.moved![p]!]));
    },
    insideRepository: async (dir) => {
      calls.push(`inside ${dir}`);
      return options.repository !== undefined && (dir === options.repository || dir.startsWith(`${options.repository}/`));
    },
    firstCommitPending: async (dir) => {
      calls.push(`pending ${dir}`);
      return !options.committed;
    },
    initRepository: async (dir, _message, exclude) => {
      calls.push(`init ${dir}${exclude.length > 0 ? ` excluding ${exclude.join(' ')}` : ''}`);
      return { name: 'git', status: 'done', detail: 'repository initialised with a first commit' };
    },
  };
}
