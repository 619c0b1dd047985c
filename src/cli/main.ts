import '../core/zod-config.js';
import { asFsError } from '../core/fs-errors.js';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { CancelledError, EXIT_CODE_HELP, ExitCode, UsageError } from '../core/errors.js';
import { nodeFs } from '../core/node-fs.js';
import { Reporter } from '../ui/report.js';
import type { ChalkInstance } from 'chalk';
import type { BrandedCatalog, CliContext } from './context.js';
import { registerAuthoringCommands } from './authoring-commands.js';
import { registerFleetCommands } from './fleet-commands.js';
import { CompiledStore, userCacheDir } from './compiled-store.js';
import { ANSWER_ENV_PREFIX, CATALOG_FLAG, addAnswerOptions, addCreateOptions, type CreateOptions } from './options.js';
import type { UpgradeOptions } from './upgrade.js';
import type { AddOptions } from './add.js';
import type { MergeFileOptions } from './merge-file.js';

export type BinName = 'create-service' | 'platform';

/** Stands in for chalk where nothing is coloured: every style returns its text unchanged. */
const NO_COLOR: ChalkInstance = new Proxy(() => undefined, {
  get: (_target, _prop, receiver: unknown) => receiver,
  apply: (_target, _this, args: unknown[]) => args.map(String).join(' '),
}) as unknown as ChalkInstance;

/** The exit codes a command can end with, as its --help lists them (only those, so each page is short). */
function exitCodesText(codes: readonly number[]): string {
  const lines = EXIT_CODE_HELP.filter(([code]) => codes.includes(code)).map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`);
  return `\nExit codes:\n${lines.join('\n')}\n`;
}

const { ok, unexpected, usage, conflicts, untrusted, unsafe, checkFailed, cancelled } = ExitCode;
/** Commands that render templates and write: every outcome but a failed check. */
const WRITING_CODES = [ok, unexpected, usage, conflicts, untrusted, unsafe, cancelled];
/** Commands that only read and report. */
const READING_CODES = [ok, unexpected, usage];
/** Help is wrapped at 80 columns whatever the terminal, so the build can render it ahead of time. */
const HELP_WIDTH = 80;

/** Runs one invocation; returns the exit code. Only bin/ sets process.exitCode. */
export async function run(bin: BinName, argv: string[], context: CliContext): Promise<number> {
  let ctx = context;
  const json = argv.includes('--json');
  // --offline reaches the template sources through the environment they read.
  if (argv.includes('--offline')) ctx = { ...ctx, env: { ...ctx.env, PLATFORM_OFFLINE: '1' } };
  // Help needs no colour: skip loading chalk, so `--help` costs little more than Node's start.
  const wantsHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';
  const color = wantsHelp ? NO_COLOR : (await import('../ui/colors.js')).chalkFor(ctx.env, Boolean(json ? ctx.stderr.isTTY : ctx.stdout.isTTY));
  const reporter = new Reporter(json, ctx, color, commandName(bin, argv), ctx.version);
  const outcome: Outcome = { exitCode: ExitCode.ok };
  const program = bin === 'create-service' ? createServiceProgram(ctx, reporter, outcome) : platformProgram(ctx, reporter, outcome);
  let exitCode: number;
  try {
    await program.parseAsync(argv, { from: 'user' });
    exitCode = outcome.exitCode;
    await ctx.compiled?.flush();
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      // No command given (`platform`, `platform template`): the help went to stderr; a script
      // that ran `platform $EMPTY` must not pass as if something had been done.
      if (error.code === 'commander.help') return reporter.finish(ExitCode.usage);
      exitCode = reporter.fail(
        new UsageError('usage', error.message.replace(/^error: /, ''), {
          hint: `Run \`${bin} --help\` for the commands and flags.`,
        }),
      );
    } else {
      // A full disk or a name too long that no step mapped itself is still an ordinary error.
      exitCode = reporter.fail(asFsError(error));
    }
  }
  return reporter.finish(exitCode);
}

/** What the command that ran decided; errors propagate to run() instead. */
interface Outcome {
  exitCode: number;
}

function action<A extends unknown[]>(outcome: Outcome, body: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    outcome.exitCode = await body(...args);
  };
}

/**
 * What every command shares: output through the context, help without colour at a fixed width,
 * then its examples and its own exit codes (or, with `exitCodes` a string, its own section).
 */
function configure(program: Command, ctx: CliContext, examples: string, exitCodes: readonly number[] | string): Command {
  return program
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      // Commander's own error lines are replaced by ours (with a hint, and in JSON when asked).
      writeErr: (text) => {
        if (!text.startsWith('error:')) ctx.stderr.write(text);
      },
      outputError: () => undefined,
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .addHelpText('after', `${examples}${typeof exitCodes === 'string' ? exitCodes : exitCodesText(exitCodes)}`);
}

/** Only the program itself takes --version (bin/ answers it before this module loads). */
function withVersion(program: Command, ctx: CliContext): Command {
  return program.version(ctx.version, '-V, --version', 'print the version');
}

function createServiceProgram(ctx: CliContext, reporter: Reporter, outcome: Outcome): Command {
  const program = new Command('create-service')
    .description('Create a new service on the golden path: render a versioned template into a new repository.')
    .allowExcessArguments(false);
  addCreateOptions(program).action(
    action(outcome, async (directory: string | undefined, options: CreateOptions) => {
      const { runCreate } = await import('./create.js');
      return runCreate(directory, options, ctx, reporter);
    }),
  );
  return withVersion(configure(program, ctx, CREATE_EXAMPLES, WRITING_CODES), ctx);
}

const CREATE_EXAMPLES = `
Examples:
  create-service payments-api                          prompts for each answer on a terminal
  create-service payments-api --yes --set owner=team-payments --set port=8080
  create-service payments-api --answers answers.yaml --dry-run

Every question and its answers-file key: platform templates golden-path (or a template's name);
an answers file with every default: platform answers golden-path > answers.yaml
`;

function platformProgram(ctx: CliContext, reporter: Reporter, outcome: Outcome): Command {
  const program = new Command('platform').description(
    'The golden-path CLI: create services from versioned templates and keep them current.',
  );
  withVersion(configure(program, ctx, `
Examples:
  platform new payments-api --yes        same as create-service
  platform upgrade --dry-run             what moving to the latest templates would change
  platform status --check                fail CI when behind or when owned files drifted
`, EXIT_CODE_HELP.map(([code]) => code)), ctx);

  const create = new Command('new').description('create a new service (same as create-service)').allowExcessArguments(false);
  addCreateOptions(create).action(
    action(outcome, async (directory: string | undefined, options: CreateOptions) => {
      const { runCreate } = await import('./create.js');
      return runCreate(directory, options, ctx, reporter);
    }),
  );
  program.addCommand(configure(create, ctx, CREATE_EXAMPLES.replaceAll('create-service', 'platform new'), WRITING_CODES));

  const templates = new Command('templates')
    .description('list the built-in templates and their versions, or the questions of one template or preset')
    .argument('[name]', 'a template (NAME[@VERSION], a folder) or preset: list its questions (key, type, default, choices, when, who asks)')
    .option('--json', 'print one JSON document on stdout')
    .option(...CATALOG_FLAG)
    .allowExcessArguments(false)
    .action(
      action(outcome, async (name: string | undefined, options: { catalog?: string }) => {
        const { runTemplates } = await import('./templates.js');
        return runTemplates(options, ctx, reporter, name);
      }),
    );
  program.addCommand(configure(templates, ctx, `
Examples:
  platform templates                     the built-in templates and presets
  platform templates golden-path         the questions create-service asks, and their answers-file keys
  platform templates ci@1.3.0 --json     one version's questions, as JSON
`, READING_CODES));

  const answers = new Command('answers')
    .description('print a commented answers file with every default, for create-service --answers FILE --yes')
    .argument('<name>', 'a template (NAME[@VERSION], a folder) or preset, such as golden-path')
    .option('--json', 'print one JSON document on stdout (the file as "text")')
    .allowExcessArguments(false)
    .action(
      action(outcome, async (name: string) => {
        const { runAnswers } = await import('./answers.js');
        return runAnswers(ctx, reporter, name);
      }),
    );
  program.addCommand(configure(answers, ctx, `
Examples:
  platform answers golden-path > answers.yaml
  create-service payments-api --answers answers.yaml --yes
`, READING_CODES));

  const add = addAnswerOptions(
    new Command('add')
      .description('add a component (ci, observability, secrets, deploy, …) to the repository here')
      .argument('<component>', 'COMPONENT or COMPONENT@VERSION (see `platform templates`)'),
  )
    .option('--dry-run', 'write nothing; list what would be written')
    .option('--json', 'print one JSON document on stdout')
    .option('--allow-dirty', 'write conflict markers into files that have uncommitted changes')
    .allowExcessArguments(false)
    .action(
      action(outcome, async (component: string, options: AddOptions) => {
        const { runAdd } = await import('./add.js');
        return runAdd(component, options, ctx, reporter);
      }),
    );
  program.addCommand(configure(add, ctx, `
Examples:
  platform add ci --yes                  GitHub Actions (or --set ciProvider=gitlab)
  platform add observability --dry-run
`, WRITING_CODES));

  const upgrade = addAnswerOptions(
    new Command('upgrade')
      .description('move the repository to newer template versions, keeping your edits')
      .argument('[component]', 'one component of .platform.yaml (default: all)')
      .option('--to <version>', 'the version to move to (default: the latest)'),
  )
    .option('--dry-run', 'write nothing; show the plan, with a diff of every file that exists and would change')
    .option('--json', 'print one JSON document on stdout')
    .addOption(new Option('--conflict <style>', 'how to leave conflicts: markers in the file, or a .rej file beside it').choices(['markers', 'reject']).default('markers'))
    .option('--force', 'take the template\'s version of owned files you edited; allow --to an older version')
    .option('--allow-dirty', 'merge into files that have uncommitted changes')
    .option('--verbose', 'print the full changelog of every version moved through (without a terminal: a short summary per component)')
    .allowExcessArguments(false)
    .action(
      action(outcome, async (component: string | undefined, options: UpgradeOptions) => {
        const { runUpgrade } = await import('./upgrade.js');
        return runUpgrade(component, options, ctx, reporter);
      }),
    );
  program.addCommand(configure(upgrade, ctx, `
Examples:
  platform upgrade --dry-run             every component to its latest version, as diffs
  platform upgrade service --to 1.1.0 --yes
  platform upgrade --yes --json          unattended, e.g. in a scheduled CI job
`, WRITING_CODES));

  const status = new Command('status')
    .description('versions against the latest, files that drifted, unresolved conflicts')
    .option('--json', 'print one JSON document on stdout')
    .option('--offline', 'use cached template sources only (git and npm)')
    .option('--check', 'exit 6 when a component is behind, an owned file drifted or a conflict is unresolved')
    .option(...CATALOG_FLAG)
    .allowExcessArguments(false)
    .action(
      action(outcome, async (options: { check?: boolean; catalog?: string }) => {
        const { runStatus } = await import('./status.js');
        return runStatus(options, ctx, reporter);
      }),
    );
  program.addCommand(configure(status, ctx, `
Examples:
  platform status                        each component's version against the latest
  platform status --check                in CI: exit 6 when behind, drifted or conflicted
`, [...READING_CODES, checkFailed]));

  const diff = new Command('diff')
    .description('what you changed relative to what the templates wrote')
    .argument('[component]', 'one component (default: all)')
    .option('--json', 'print one JSON document on stdout')
    .allowExcessArguments(false)
    .action(
      action(outcome, async (component: string | undefined) => {
        const { runDiff } = await import('./diff.js');
        return runDiff(component, ctx, reporter);
      }),
    );
  program.addCommand(configure(diff, ctx, `
Examples:
  platform diff                          your edits to every file the templates wrote
  platform diff ci --json                one component, as data
`, READING_CODES));

  const mergeFile = new Command('merge-file')
    .description('three-way merge of one file, like git merge-file, with YAML and JSON merged by structure')
    .argument('<files...>', 'CURRENT BASE OTHER (the result goes into CURRENT unless -p)')
    .addOption(new Option('--format <format>', 'how to merge').choices(['auto', 'yaml', 'json', 'text']).default('auto'))
    .option('-p, --stdout', 'print the result instead of writing CURRENT')
    .option('-L, --label <label>', 'labels for conflict markers: current, base, other (repeatable)', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--path <path>', 'the file\'s path in the repository, to choose the format (git\'s %P)')
    .option('--marker-size <n>', 'conflict marker size (git\'s %L; only 7 is supported)')
    .option('--line-merge <source>', '-: git merge-file -p\'s output, then its exit status on a line of its own, on stdin (the merge driver\'s shell line)')
    .action(
      action(outcome, async (files: string[], options: Omit<MergeFileOptions, 'label'> & { label?: string[] }) => {
        const { runMergeFile } = await import('./merge-file.js');
        return runMergeFile(files, { ...options, label: options.label ?? [] }, ctx);
      }),
    );
  program.addCommand(configure(mergeFile, ctx, `
Examples:
  platform merge-file current.yaml base.yaml other.yaml
  platform merge-file -p -L ours -L base -L theirs a.json base.json b.json > merged.json
`, `
Exit status (as git merge-file): 0 a clean merge; 1 to 127 the number of conflicts left
(at most 127); 255 an error. Text files merge exactly as git merge-file does.
`));

  const mergeDriver = new Command('merge-driver')
    .description('install or uninstall the git merge driver for *.yml, *.yaml and *.json')
    .argument('<action>', 'install or uninstall')
    .option('--global', 'in your global git config and attributes file, for every repository')
    .option('--json', 'print one JSON document on stdout')
    .allowExcessArguments(false)
    .action(
      action(outcome, async (verb: string, options: { global?: boolean }) => {
        const { runMergeDriver } = await import('./merge-driver.js');
        return runMergeDriver(verb, options, ctx, reporter);
      }),
    );
  program.addCommand(configure(mergeDriver, ctx, `
Examples:
  platform merge-driver install           for this repository (.git/config, .gitattributes)
  platform merge-driver install --global  for every repository of yours
`, READING_CODES));

  registerFleetCommands(program, ctx, reporter, async (body) => {
    outcome.exitCode = await body();
  });
  registerAuthoringCommands(program, ctx, reporter, async (body) => {
    outcome.exitCode = await body();
  });
  return program;
}

/**
 * Every command's --help as commander prints it, keyed by the command's path ('' for the program,
 * 'template lint' for a subcommand). The build saves them (dist/help.json) so that bin/ answers
 * --help without loading this bundle; commands added to the programs above are picked up here.
 */
export async function helpPages(bin: BinName, base: CliContext): Promise<Record<string, string>> {
  let stdout = '';
  const ctx: CliContext = { ...base, stdout: { isTTY: false, write: (chunk: string) => ((stdout += chunk), true) } as unknown as CliContext['stdout'] };
  const outcome: Outcome = { exitCode: ExitCode.ok };
  const reporter = new Reporter(false, ctx, NO_COLOR, 'help', ctx.version);
  const root = bin === 'create-service' ? createServiceProgram(ctx, reporter, outcome) : platformProgram(ctx, reporter, outcome);
  const paths: string[][] = [];
  const walk = (command: Command, path: string[]): void => {
    paths.push(path);
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(root, []);
  const pages: Record<string, string> = {};
  for (const path of paths) {
    stdout = '';
    const code = await run(bin, [...path, '--help'], ctx);
    if (code !== ExitCode.ok) throw new Error(`${bin} ${path.join(' ')} --help exited ${code}`);
    pages[path.join(' ')] = stdout;
  }
  return pages;
}

function commandName(bin: BinName, argv: string[]): string {
  if (bin === 'create-service') return 'create';
  const first = argv.find((a) => !a.startsWith('-'));
  return first === 'new' ? 'create' : (first ?? 'platform');
}

/** The real process: streams, environment and file system of this machine. */
export async function main(bin: BinName, version: string, packageName = 'create-service', branded?: { catalog: BrandedCatalog }): Promise<void> {
  let cancelMessage = new CancelledError().message;
  // PLATFORM_ANSWER_* may hold secrets: the CLI reads its own copy, and no child process
  // (git, hooks, package managers) inherits them.
  const env = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith(ANSWER_ENV_PREFIX)) delete process.env[key];
  const ctx: CliContext = {
    onCancel: (message) => {
      cancelMessage = message;
    },
    cwd: process.cwd(),
    env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    fs: nodeFs,
    version,
    cli: installedCli(packageName, version),
    node: process.versions.node,
    ...(branded ? { catalog: branded.catalog } : {}),
    pid: process.pid,
    compiled: new CompiledStore(nodeFs, {
      shipped: fileURLToPath(new URL('../compiled/', import.meta.url)),
      user: userCacheDir(process.env),
    }),
    self: [process.execPath, fileURLToPath(new URL('../../bin/platform.js', import.meta.url))],
    isRunning: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
  // A reader that went away (`| head`) is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  // A second Ctrl-C outside a prompt stops at once; prompts turn the first into CancelledError.
  process.once('SIGINT', () => {
    process.stderr.write(`\n${cancelMessage}\n`);
    process.exit(ExitCode.cancelled);
  });
  process.exitCode = await run(bin, process.argv.slice(2), ctx);
}

/**
 * The CLI generated repositories pin: this package at its exact version when it was installed
 * from a registry (it lives under node_modules), else the checkout it runs from (`file:`), so a
 * repository created from a source checkout still installs.
 */
function installedCli(packageName: string, version: string): { package: string; version: string } {
  const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
  return root.split(/[\\/]/).includes('node_modules') ? { package: packageName, version } : { package: packageName, version: `file:${root}` };
}
