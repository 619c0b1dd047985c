import type { Fs } from '../core/fs.js';
import type { Streams } from '../ui/report.js';
import type { CompiledStore } from './compiled-store.js';
import { spawnedGit, type GitPort } from '../steps/git-port.js';
import { UsageError } from '../core/errors.js';
import type { CliIdentity } from '../render/render.js';
import type { CatalogHome } from '../catalog/home.js';
import type { Catalog, CatalogMirror } from '../sources/catalog.js';

/** Everything a command may take from the outside world, so tests can hand in their own. */
export interface CliContext extends Streams {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  fs: Fs;
  version: string;
  /** This process, and whether another one is still alive (for interrupted-run recovery). */
  pid: number;
  isRunning(pid: number): boolean;
  /** How to run this CLI again (node and the platform bin), for the git merge driver. */
  self: string[];
  /** This CLI's package (name and version), which generated repositories pin; absent in tests. */
  cli?: CliIdentity;
  /** The Node.js version running the CLI (`22.15.0`); absent in tests: nothing is compared. */
  node?: string;
  /** git on the repository; absent: the real one, spawned (tests hand in their own). */
  git?: GitPort;
  /** Compiled templates kept between runs; absent in tests. */
  compiled?: CompiledStore;
  /** A branded CLI's own catalog (the engine API): the default below --catalog and PLATFORM_CATALOG. */
  catalog?: BrandedCatalog;
  /** What Ctrl-C should say from now on (once files are written, "nothing was written" is false). */
  onCancel(message: string): void;
}

/** Prompts need a person at a terminal: a TTY on both ends, and not CI or a dumb terminal. */
export function isInteractive(ctx: CliContext): boolean {
  const ci = ctx.env.CI !== undefined && ctx.env.CI !== '' && ctx.env.CI !== 'false' && ctx.env.CI !== '0';
  return Boolean(ctx.stdin.isTTY) && Boolean(ctx.stderr.isTTY) && !ci && ctx.env.TERM !== 'dumb';
}

/** Puts back what an interrupted run left half-written in root, saying so; a no-op otherwise. */
export async function recoverRoot(ctx: CliContext, root: string, warn: (text: string) => void): Promise<void> {
  const { recoverInterrupted } = await import('../apply/apply.js');
  const note = await recoverInterrupted(ctx.fs, root, (pid) => pid !== ctx.pid && ctx.isRunning(pid));
  if (note) warn(note);
}

/**
 * Before planning, dry run or real: the same checks of what an interrupted run left in root. The
 * real run rolls it back; a dry run writes nothing and says the real run would.
 */
export async function prepareRoot(ctx: CliContext, root: string, dryRun: boolean, warn: (text: string) => void): Promise<void> {
  if (!dryRun) return recoverRoot(ctx, root, warn);
  const { checkInterrupted } = await import('../apply/apply.js');
  const state = await checkInterrupted(ctx.fs, root, (pid) => pid !== ctx.pid && ctx.isRunning(pid));
  if (state.kind === 'journal') warn('An earlier run was interrupted half way: the real run puts its files back first; this dry run shows the folder as it is now.');
  if (state.kind === 'leftovers') warn('An earlier run left its staging folder behind: the real run removes it first.');
}

/** For commands that only read: refuses a forged recovery journal in root (exit 5), replays nothing. */
export async function checkStaging(ctx: CliContext, root: string): Promise<void> {
  const { readStaging } = await import('../apply/journal.js');
  await readStaging(ctx.fs, root);
}

/** The context's git, or the real one. */
export function gitOf(ctx: CliContext): GitPort {
  return ctx.git ?? spawnedGit;
}

/** What a dependency spec may hold: it is written into package.json as a JSON string. */
const DEPENDENCY_SPEC = /^[A-Za-z0-9@:/._+~^<>=|*, -]{1,512}$/;

/**
 * The CLI generated repositories pin (`{{@cli}}`): this package at its exact version, or the
 * dependency spec in PLATFORM_CLI_DEPENDENCY (a tarball `file:` path, an internal registry alias).
 */
export function cliOf(ctx: CliContext): CliIdentity {
  const own = ctx.cli ?? { package: 'create-service', version: ctx.version };
  const spec = ctx.env.PLATFORM_CLI_DEPENDENCY;
  if (spec === undefined || spec === '') return own;
  if (!DEPENDENCY_SPEC.test(spec)) {
    throw new UsageError('cli-dependency', `PLATFORM_CLI_DEPENDENCY=${JSON.stringify(spec.slice(0, 80))} is not a dependency spec this CLI writes into package.json.`, {
      hint: 'Give a version, a range, an npm: alias or a file: path (letters, digits and @ : / . _ + ~ ^ < > = | * , - and spaces), or unset it.',
    });
  }
  return { ...own, version: spec };
}

/**
 * The catalog a branded CLI ships: where it is published (recorded in lockfiles, and trusted like
 * the CLI itself, since the user runs that package's code already) and its installed copy.
 */
export interface BrandedCatalog {
  home: CatalogHome;
  mirror: CatalogMirror;
}

/**
 * The run's catalog: --catalog, else PLATFORM_CATALOG, else a branded CLI's, else `catalog:` in
 * the config file, else the one the repository's components came from (`recorded`), else built
 * in. `base` is the repository whose relative `dir:./…` sources it reads.
 */
export async function openCatalog(ctx: CliContext, flag: string | undefined, base?: string, recorded?: CatalogHome): Promise<{ catalog: Catalog; explicit: boolean }> {
  const { chooseHome } = await import('../catalog/home.js');
  const { Catalog } = await import('../sources/catalog.js');
  const { home, explicit } = await chooseHome(ctx.fs, ctx.env, ctx.cwd, { flag, branded: ctx.catalog?.home, recorded });
  const catalog = new Catalog(ctx, { home, ...(base !== undefined ? { base } : {}), ...(ctx.catalog ? { mirror: ctx.catalog.mirror } : {}) });
  return { catalog, explicit };
}
