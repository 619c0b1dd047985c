import { spawn } from 'node:child_process';
import { ExitCode, PlatformError, UnsafeError } from './errors.js';

/**
 * The one way the CLI runs git. Git reads configuration and attributes from places an attacker
 * can write (a cloned repository's .git/config, a rendered .gitattributes, a relative
 * core.hooksPath in the user's global config that lands inside the rendered files), and several
 * of those settings name commands git runs. So every call gets, on its command line (which wins
 * over every config file): no hooks, no fsmonitor, no pager, no external diff, no ext::
 * transport, no implicit bare repository, and every filter, diff and merge driver configured in
 * any scope emptied. An argument array, never a shell; stdin closed unless input is given.
 */

/** Settings that make git run commands, switched off on every call. */
const BASE_CONFIG = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.pager=cat',
  'diff.external=',
  'protocol.ext.allow=never',
  // A rendered HEAD/config/objects/refs would otherwise make the folder a bare repository whose config git reads.
  'safe.bareRepository=explicit',
  'gc.auto=0',
  'maintenance.auto=false',
];

/** What each driver kind can run; emptied for every driver name found in the config. */
const DRIVER_KEYS: Record<string, string[]> = {
  filter: ['clean=', 'smudge=', 'process=', 'required=false'],
  diff: ['command=', 'textconv='],
  merge: ['driver='],
};

/** More driver names than this is an attack on the argument list, not a configuration. */
const MAX_DRIVERS = 500;

/** Variables that point git at another repository, or name a command for it to run. */
const DROPPED_ENV = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_CEILING_DIRECTORIES',
  'GIT_EXTERNAL_DIFF', 'GIT_PAGER', 'PAGER', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR',
];

export interface GitOptions {
  cwd?: string;
  /** Written to git's stdin; without it stdin is closed. */
  input?: string | Uint8Array;
  /** The whole environment (default: this process's); location and command variables are dropped either way. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra `-c key=value` settings for this call (e.g. fetch-only ones). Ours come after them and win. */
  config?: readonly string[];
  stripFinalNewline?: boolean;
}

export interface GitResult {
  /** -1 when git was killed by a signal. */
  exitCode: number;
  stdout: string;
  stdoutBytes: Uint8Array;
  stderr: string;
}

const decoder = new TextDecoder();
/** Driver overrides per working folder: a repository's config does not change during one run (except by init/config). */
const drivers = new Map<string, Promise<string[]>>();

/** git is not installed or cannot be started: an ordinary error (exit 1), not a bug. */
export function gitMissing(cwd: string | undefined, detail: string): PlatformError {
  return new PlatformError('git-missing', ExitCode.unexpected, `Could not start git${cwd ? ` in ${cwd}` : ''}: ${detail}.`, {
    hint: 'Install git and make sure it is on your PATH (or pass --no-git where the command offers it).',
  });
}

/** Runs `git <args>` with the overrides above. Resolves for any exit code; throws gitMissing() when git cannot start. */
export async function runGit(args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const overrides = await driverOverrides(options);
  const result = await spawnGit([...configArgs(options.config ?? []), ...configArgs(BASE_CONFIG), ...configArgs(overrides)], args, options);
  // init and config change the configuration the next call must neutralise.
  const sub = args.find((a) => !a.startsWith('-'));
  if (sub === 'init' || sub === 'config') drivers.delete(cacheKey(options));
  return result;
}

/** `-c a=b` pairs, in order. */
function configArgs(pairs: readonly string[]): string[] {
  return pairs.flatMap((pair) => ['-c', pair]);
}

const cacheKey = (options: GitOptions) => options.cwd ?? '';

/** `-c` settings that empty every filter/diff/merge driver any config scope of cwd defines. */
function driverOverrides(options: GitOptions): Promise<string[]> {
  const key = cacheKey(options);
  let found = drivers.get(key);
  if (!found) {
    found = findDrivers(options);
    drivers.set(key, found);
    found.catch(() => drivers.delete(key));
  }
  return found;
}

async function findDrivers(options: GitOptions): Promise<string[]> {
  const listed = await spawnGit(configArgs(BASE_CONFIG), ['config', '--null', '--name-only', '--get-regexp', '^(filter|diff|merge)\\.'], { ...options, input: undefined });
  // 1: no such setting; anything else but 0 means git could not read its config, and the call that follows will say so.
  if (listed.exitCode !== 0) return [];
  return overridesFor(listed.stdout.split('\0').filter((name) => name !== ''));
}

/**
 * The overrides for config names such as `filter.lfs.clean` (section and key lower-cased by
 * git, the driver name kept as written). Names git could not take back on a command line are
 * refused rather than left active.
 */
export function overridesFor(names: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    const first = name.indexOf('.');
    const last = name.lastIndexOf('.');
    if (first === last) continue; // no driver name: diff.renames, merge.conflictStyle...
    const section = name.slice(0, first).toLowerCase();
    if (!(section in DRIVER_KEYS)) continue;
    const driver = name.slice(first + 1, last);
    if (/[=\n\0]/.test(driver)) {
      throw new UnsafeError('git-driver-name', `The git configuration defines a ${section} driver whose name git cannot override ("${driver.replace(/[\n\0]/g, ' ')}"). Git was not run.`, {
        hint: `Remove it: git config --remove-section '${section}.${driver}' (in the repository, or --global).`,
      });
    }
    seen.add(`${section}\0${driver}`);
  }
  if (seen.size > MAX_DRIVERS) {
    throw new UnsafeError('git-driver-count', `The git configuration defines ${seen.size} filter, diff or merge drivers (at most ${MAX_DRIVERS} are overridden). Git was not run.`, {
      hint: 'Look at `git config --show-origin --get-regexp "^(filter|diff|merge)\\."` and remove what you do not use.',
    });
  }
  return [...seen].flatMap((entry) => {
    const [section, driver] = entry.split('\0') as [string, string];
    return DRIVER_KEYS[section]!.map((setting) => `${section}.${driver}.${setting}`);
  });
}

/** The environment git gets: location and command variables dropped, never a credential prompt. */
function gitEnv(base: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  // Undefined removes a variable from the inherited environment too (execa's extendEnv).
  for (const name of DROPPED_ENV) env[name] = undefined;
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

export interface DirectGitOptions {
  /** The whole environment git starts from (this call never reads the process's own). */
  env: Readonly<Record<string, string | undefined>>;
  /** Extra `-c key=value` settings for this call; ours come after them and win. */
  config?: readonly string[];
  /** More stdout than this stops git: the call then ends as if killed (exit -1). */
  maxBytes?: number;
}

/** execa's default cap on a call's output, kept for the direct calls. */
const DIRECT_MAX_BYTES = 100_000_000;
const STDERR_KEPT = 64 * 1024;

/**
 * runGit for read-only calls made once per repository of a fleet (thousands in one run):
 * the same argument list (every override above, the driver overrides of the process's own
 * folder) and the same environment, but started with node:child_process rather than execa,
 * whose per-call setup costs about three times the spawn itself at that scale (9.0 ms against
 * 2.6 ms per call on a 2-core machine). No stdin, no shell, no cwd (give `-C DIR`). Only for
 * commands that cannot start a driver or program whatever the repository's config says
 * (`log --no-ext-diff --no-textconv --no-show-signature`, `ls-files`): the caller's contract.
 */
export async function runGitDirect(args: readonly string[], options: DirectGitOptions): Promise<GitResult> {
  const overrides = await driverOverrides({});
  const argv = [...configArgs(options.config ?? []), ...configArgs(BASE_CONFIG), ...configArgs(overrides), ...args];
  const env = Object.fromEntries(Object.entries(gitEnv(options.env)).filter((e): e is [string, string] => e[1] !== undefined));
  const max = options.maxBytes ?? DIRECT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let overflow = false;
    let settled = false;
    const child = spawn('git', argv, { env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    child.stdout.on('data', (chunk: Buffer) => {
      if (overflow) return;
      outBytes += chunk.length;
      if (outBytes > max) {
        overflow = true;
        out.length = 0;
        child.kill();
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes >= STDERR_KEPT) return;
      errBytes += chunk.length;
      err.push(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      reject(gitMissing(undefined, error.code === 'ENOENT' ? 'git is not installed or not on PATH' : error.message));
    });
    child.on('close', (code) => {
      if (settled) return;
      settled = true;
      let stdoutBytes: Uint8Array = Buffer.concat(out);
      out.length = 0;
      // As execa's stripFinalNewline (runGit's default): one final newline goes.
      if (stdoutBytes.at(-1) === 0x0a) stdoutBytes = stdoutBytes.subarray(0, stdoutBytes.at(-2) === 0x0d ? -2 : -1);
      resolve({ exitCode: overflow || code === null ? -1 : code, stdout: decoder.decode(stdoutBytes), stdoutBytes, stderr: decoder.decode(Buffer.concat(err)).trimEnd() });
    });
  });
}

async function spawnGit(config: string[], args: readonly string[], options: GitOptions): Promise<GitResult> {
  const env = gitEnv(options.env ?? {});
  // Loaded on first use: a run that spawns nothing does not pay for it.
  const { execa } = await import('execa');
  const result = await execa('git', [...config, ...args], {
    cwd: options.cwd,
    env,
    extendEnv: options.env === undefined,
    reject: false,
    shell: false,
    encoding: 'buffer',
    stripFinalNewline: options.stripFinalNewline ?? true,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
  });
  if (result.exitCode === undefined && result.signal === undefined) {
    throw gitMissing(options.cwd, (result as { code?: string }).code === 'ENOENT' ? 'git is not installed or not on PATH (or the folder does not exist)' : String(result.shortMessage ?? result.message));
  }
  const stdoutBytes = result.stdout as Uint8Array;
  return {
    exitCode: result.exitCode ?? -1,
    stdout: decoder.decode(stdoutBytes),
    stdoutBytes,
    stderr: decoder.decode(result.stderr as Uint8Array),
  };
}
