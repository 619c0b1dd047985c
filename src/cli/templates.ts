import { posix } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { describeHome } from '../catalog/home.js';
import { loadTemplate } from '../template/load.js';
import { DEFAULT_PRESET, inclusionQuestion } from '../template/preset.js';
import { choiceLabel, choiceValue, type Question } from '../template/schema.js';
import type { Reporter } from '../ui/report.js';
import { openCatalog, type CliContext } from './context.js';
import { selectTemplates, type Selection } from './compose.js';
import { counted } from '../ui/count.js';

/** platform templates [NAME]: the run's catalog (built in, or --catalog / PLATFORM_CATALOG / config), or the questions one template or preset asks. */
export async function runTemplates(options: { catalog?: string }, ctx: CliContext, reporter: Reporter, name?: string): Promise<ExitCode> {
  if (name !== undefined) return runTemplateQuestions(options, ctx, reporter, name);
  const { catalog } = await openCatalog(ctx, options.catalog);
  const folder = await catalog.folder();
  const fs = catalog.homeFs();
  const templates = [];
  for (const entry of await catalog.list()) {
    const latest = entry.versions[entry.versions.length - 1]!;
    const template = await loadTemplate(fs, posix.join(folder, entry.name, latest), { kind: 'builtin' });
    templates.push({ name: entry.name, latest, versions: entry.versions, description: template.manifest.description ?? '' });
  }
  const preset = await catalog.preset(DEFAULT_PRESET);
  const presets = preset ? [{ name: preset.name, components: preset.components.map((c) => c.template), default: true }] : [];
  const source = catalog.home.kind === 'builtin' ? 'builtin' : catalog.home.root;
  reporter.set({ catalog: source, templates, presets });
  // --json: the document on stdout is the whole answer; nothing on stderr.
  if (reporter.json) return ExitCode.ok;
  if (catalog.home.kind !== 'builtin') reporter.line(reporter.color.dim(`From ${describeHome(catalog.home)}.`));
  const width = Math.max(8, ...templates.map((t) => t.name.length));
  for (const t of templates) {
    reporter.line(`${reporter.color.bold(t.name.padEnd(width))}  ${t.latest.padEnd(8)}  ${t.description}`);
    if (t.versions.length > 1) reporter.line(`${' '.repeat(width)}  ${reporter.color.dim(`versions: ${t.versions.join(', ')}`)}`);
  }
  for (const p of presets) {
    reporter.line();
    reporter.line(`${reporter.color.bold(p.name)} (what create-service applies without --template): ${p.components.join(', ')}`);
  }
  reporter.line();
  reporter.line(reporter.color.dim('`platform templates NAME` lists the questions of a template or preset; `platform answers NAME` writes an answers file.'));
  return ExitCode.ok;
}

/** One question as a script author needs it: the answers-file key and what it accepts. */
export interface ListedQuestion {
  key: string;
  type: Question['type'];
  message: string | undefined;
  help: string | undefined;
  /** As written in template.yaml: a value, or a Handlebars expression over earlier answers. */
  default: unknown;
  choices: Array<{ value: string; label: string }> | undefined;
  when: string | undefined;
  secret: boolean;
  /** The preset (for its inclusion questions) and the components that ask it, in order. */
  askedBy: string[];
  /** Bounds and shape an answer must fit. */
  constraints: Record<string, unknown>;
}

/**
 * Every question of a selection once, in the order create-service asks them: a preset's
 * inclusion questions first, then each component's, a shared name listed at its first asker.
 */
export function listQuestions(selection: Selection): ListedQuestion[] {
  const listed = new Map<string, ListedQuestion>();
  const add = (question: Question, asker: string): void => {
    const known = listed.get(question.name);
    if (known) {
      if (!known.askedBy.includes(asker)) known.askedBy.push(asker);
      return;
    }
    const { name, type, message, help, default: value, when, secret, ...rest } = question as Question & Record<string, unknown>;
    const choices = 'choices' in question ? question.choices.map((c) => ({ value: choiceValue(c), label: choiceLabel(c) })) : undefined;
    delete rest.choices;
    listed.set(name, { key: name, type, message, help, default: value, choices, when, secret: secret === true, askedBy: [asker], constraints: rest });
  };
  if (selection.preset) {
    for (const component of selection.preset.components) if (component.optional) add(inclusionQuestion(component), selection.preset.name);
  }
  for (const template of selection.templates) for (const question of template.manifest.questions) add(question, template.manifest.name);
  return [...listed.values()];
}

/** What the selection is, for both commands' headers and JSON. */
export function describeSelection(selection: Selection): { name: string; kind: 'preset' | 'template'; components: Array<{ name: string; version: string }> } {
  return {
    name: selection.label,
    kind: selection.preset ? 'preset' : 'template',
    components: selection.templates.map((t) => ({ name: t.manifest.name, version: t.manifest.version })),
  };
}

async function runTemplateQuestions(options: { catalog?: string }, ctx: CliContext, reporter: Reporter, name: string): Promise<ExitCode> {
  const { catalog } = await openCatalog(ctx, options.catalog);
  const selection = await selectTemplates(catalog, ctx.fs, name, ctx.cwd);
  const questions = listQuestions(selection);
  const described = describeSelection(selection);
  reporter.set({ ...described, questions });
  if (reporter.json) return ExitCode.ok;
  const { color } = reporter;
  const header = selection.preset
    ? `${color.bold(described.name)} (preset): ${described.components.map((c) => `${c.name}@${c.version}`).join(', ')}`
    : `${color.bold(`${described.components[0]!.name}@${described.components[0]!.version}`)}`;
  reporter.line(header);
  const description = selection.preset?.description ?? selection.templates[0]?.manifest.description;
  if (description) reporter.line(color.dim(description));
  reporter.line();
  reporter.line(`${counted(questions.length, 'question')}, in the order they are asked (answers-file key; or --set KEY=VALUE):`);
  for (const q of questions) {
    reporter.line();
    const kind = q.choices ? `${q.type}: ${q.choices.map((c) => c.value).join(' | ')}` : q.type;
    reporter.line(`${color.bold(q.key)}  ${color.dim(`(${kind}${q.secret ? ', secret' : ''})`)}  ${q.message ?? ''}`);
    if (q.help) reporter.line(`    ${q.help}`);
    if (q.default !== undefined) reporter.line(`    default: ${JSON.stringify(q.default)}`);
    if (q.when !== undefined) reporter.line(`    asked when: ${q.when}`);
    const bounds = Object.entries(q.constraints).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    if (bounds.length > 0) reporter.line(`    ${bounds.join('; ')}`);
    reporter.line(`    ${color.dim(`asked by: ${q.askedBy.join(', ')}`)}`);
  }
  reporter.line();
  reporter.line(color.dim(`\`platform answers ${name} > answers.yaml\` writes these with their defaults, for \`create-service --answers answers.yaml --yes\`.`));
  return ExitCode.ok;
}
