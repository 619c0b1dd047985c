import { Option, type Command } from 'commander';

export interface AnswerOptions {
  yes?: boolean;
  set?: string[];
  answers?: string;
  /** Run the template's hooks even when its source is not on the trust list. */
  trust?: boolean;
  /** The catalog NAME[@VERSION] and presets resolve in (a folder, git repository or npm package). */
  catalog?: string;
}

/** --catalog: the organisation's catalog instead of the built-in one. */
export const CATALOG_FLAG = ['--catalog <source>', 'the catalog templates and presets come from: a folder, git+URL or npm:PACKAGE (default: PLATFORM_CATALOG, else catalog: in the config file, else built in)'] as const;

export interface CreateOptions extends AnswerOptions {
  template?: string;
  dryRun?: boolean;
  json?: boolean;
  force?: boolean;
  allowDirty?: boolean;
  install: boolean;
  git: boolean;
}

/** PLATFORM_ANSWER_<name>=value answers a question from the environment (out of argv, for secrets). */
export const ANSWER_ENV_PREFIX = 'PLATFORM_ANSWER_';

// No default value: commander would print `(default: [])` in --help; readers use `?? []`.
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The answer flags every command that renders a template takes. */
export function addAnswerOptions(command: Command): Command {
  return command
    .option('-y, --yes', 'accept defaults for every question not answered otherwise; never prompt')
    .option('--set <key=value>', 'answer a question (repeatable); typed by the question. PLATFORM_ANSWER_<key>=value in the environment answers too, out of argv (for secrets); --set wins over it, it wins over --answers', collect)
    .option('--answers <file>', 'answers from a YAML or JSON file (--set wins over it)')
    .option('--trust', 'run the commands (hooks) of a template that is not built in nor on your trust list')
    .option('--offline', 'use cached template sources only (git and npm); never reach the network')
    .option(...CATALOG_FLAG);
}

export function addCreateOptions(command: Command): Command {
  addAnswerOptions(
    command
      .argument('[directory]', 'folder to create the service in (default: the name answer)')
      .option('-t, --template <name[@version]>', 'template to render (see `platform templates`; default: the whole golden path)'),
  );
  return command
    .option('--dry-run', 'write nothing; list every file that would be written')
    .option('--json', 'print one JSON document on stdout; human output goes to stderr')
    .option('--force', 'allow a non-empty directory (existing files are never overwritten silently)')
    .option('--allow-dirty', 'with --force inside a git repository: write conflict markers into files that have uncommitted changes')
    .addOption(new Option('--no-install', 'do not install dependencies'))
    .addOption(new Option('--no-git', 'do not initialise a git repository'));
}
