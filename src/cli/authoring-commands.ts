import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { Reporter } from '../ui/report.js';
import type { CliContext } from './context.js';

/**
 * Registers `platform template …`: init, lint and test, for authors of templates. Their code is
 * loaded only when one of them runs, so the other commands start no slower.
 */
export function registerAuthoringCommands(program: Command, ctx: CliContext, reporter: Reporter, setExitCode: (body: () => Promise<number>) => Promise<void>): void {
  const template = program
    .command('template')
    .description('write and check templates: init, bump, lint, test')
    .addHelpText('after', `
Examples:
  platform template init payments-worker     a new template that passes lint and test
  platform template test templates --update  accept new output for every NAME/VERSION below templates/
  platform template test ci/1.3.0 --against ../a ../b   release impact: the upgrade, dry, in each

lint and test take a template folder, a folder of VERSION/ folders, or a catalog of NAME/VERSION/.
Exit codes: 0 passed, 2 invalid template (lint errors, a case that cannot render), 6 a check failed.
`);

  template
    .command('init')
    .addHelpText('after', `
Examples:
  platform template init payments-worker     a new folder payments-worker/
  platform template init                     here, in an empty folder

Exit codes:
    0  success
    1  error: a write failed, or an unexpected error (which says how to report it)
    2  bad usage: the folder is not new or empty
`)
    .description('create a new template folder (template.yaml, files/, a test fixture, a README)')
    .argument('[dir]', 'the folder to create (default: here); it must be new or empty')
    .option('--json', 'print one JSON document on stdout')
    .allowExcessArguments(false)
    .action((dir: string | undefined) =>
      setExitCode(async () => {
        const { runTemplateInit } = await import('../authoring/commands.js');
        return runTemplateInit(dir, ctx, reporter);
      }),
    );

  template
    .command('bump')
    .description('copy the latest version of a template to the next one, with a changelog stub (a release is a reviewed diff)')
    .argument('<name>', 'a template of the catalog here, or the path of its NAME/ folder')
    .option('--major', 'the next major version (2.0.0)')
    .option('--minor', 'the next minor version (1.3.0; the default)')
    .option('--patch', 'the next patch version (1.2.1)')
    .option('--to <version>', 'this version')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText('after', `
Examples:
  platform template bump service             service/1.3.0 copied to service/1.4.0, version: and CHANGELOG.md set
  platform template bump worker --major      worker/1.4.2 copied to worker/2.0.0

Exit codes:
    0  success
    1  error: a write failed, or an unexpected error (which says how to report it)
    2  bad usage: no such template, a version that is not newer, or the folder exists
`)
    .allowExcessArguments(false)
    .action((name: string, options: { major?: boolean; minor?: boolean; patch?: boolean; to?: string }) =>
      setExitCode(async () => {
        const { runTemplateBump } = await import('../authoring/catalog-commands.js');
        return runTemplateBump(name, options, ctx, reporter);
      }),
    );

  const catalog = program
    .command('catalog')
    .description("an organisation's catalog: init")
    .addHelpText('after', `
Examples:
  platform catalog init acme-catalog          every built-in template, pins, presets and schemas, ready to commit
  create-service my-service --catalog ./acme-catalog

Exit codes:
    0  success
    1  error: a write failed, or an unexpected error (which says how to report it)
    2  bad usage: the folder is not new or empty
    5  refused: the folder is a symbolic link, or the copy would go through one
`);
  catalog
    .command('init')
    .description('start an organisation catalog as a copy of the built-in one (templates, pins.yaml, presets, schemas)')
    .argument('<dir>', 'the folder to create; it must be new or empty')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText('after', `
Examples:
  platform catalog init acme-catalog         then: cd acme-catalog && git init && git add -A && git commit
  platform catalog init .                    here, in an empty folder

Exit codes:
    0  success
    1  error: a write failed, or an unexpected error (which says how to report it)
    2  bad usage: the folder is not new or empty
    5  refused: the folder is a symbolic link, or the copy would go through one
`)
    .allowExcessArguments(false)
    .action((dir: string) =>
      setExitCode(async () => {
        const { runCatalogInit } = await import('../authoring/catalog-commands.js');
        return runCatalogInit(dir, ctx, reporter);
      }),
    );

  template
    .command('lint')
    .addHelpText('after', `
Examples:
  platform template lint payments-worker     problems with file:line
  platform template lint templates --strict  every NAME/VERSION below templates/; warnings fail too

Exit codes:
    0  passed
    1  an unexpected error (which says how to report it)
    2  invalid template (lint errors; warnings too with --strict)
`)
    .description('check a template without rendering it; problems with file and line')
    .argument('[dir]', 'the template folder (default: here)')
    .option('--strict', 'warnings fail too (exit 2)')
    .option('--json', 'print one JSON document on stdout: {problems: [{severity, code, message, file, line}]}')
    .allowExcessArguments(false)
    .action((dir: string | undefined, options: { strict?: boolean }) =>
      setExitCode(async () => {
        const { runTemplateLint } = await import('../authoring/commands.js');
        return runTemplateLint(dir, options, ctx, reporter);
      }),
    );

  template
    .command('test')
    .addHelpText('after', `
Examples:
  platform template test payments-worker     defaults and every fixture, against the snapshots
  platform template test . --update          accept new output (review the diff first)

Exit codes:
    0  passed
    1  an unexpected error (which says how to report it)
    2  invalid template (a case that cannot render)
    6  a check failed (a snapshot differs, a parse check or the upgrade failed)
`)
    .description('render with the defaults and every tests/*.yaml fixture; compare with snapshots; check the upgrade from the previous version')
    .argument('[dir]', 'the template folder (default: here)')
    .option('--update', 'rewrite snapshots that differ (review the diff first)')
    .option('--against <repository...>', 'release impact: dry-run the upgrade to this version in each repository folder (or @FILE listing them, one a line) and report merges, conflicts and new questions; exit 6 if any conflicts or fails')
    .option('--markdown', 'with --against: print the report as Markdown (for a pull request)')
    .option('--json', 'print one JSON document on stdout')
    .allowExcessArguments(false)
    .action((dir: string | undefined, options: { update?: boolean; against?: string[]; markdown?: boolean }) =>
      setExitCode(async () => {
        if (options.against && options.update) throw new UsageError('against-update', '--against reports on repositories; it writes no snapshots, so --update does not go with it.', { hint: 'Run them separately.' });
        if (options.markdown && !options.against) throw new UsageError('markdown-needs-against', '--markdown formats the release-impact report of --against.', { hint: 'platform template test NAME/VERSION --against PATH... --markdown' });
        if (options.against) {
          const { runTemplateImpact } = await import('../authoring/impact-command.js');
          return runTemplateImpact(dir, { against: options.against, markdown: Boolean(options.markdown) }, ctx, reporter);
        }
        const { runTemplateTest } = await import('../authoring/commands.js');
        return runTemplateTest(dir, options, ctx, reporter);
      }),
    );
}
