import { resolve } from 'node:path';
import { PlatformError, UsageError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { resolveAnswers, type GivenAnswer, type Prompter, type QuestionGroup, type ResolvedAnswers } from '../answers/resolve.js';
import { createRenderer } from '../render/handlebars.js';
import { isVersion } from '../template/semver.js';
import { DEFAULT_PRESET, inclusionQuestion, type Preset } from '../template/preset.js';
import type { Question } from '../template/schema.js';
import { lockfileSource, type Template } from '../template/template.js';
import type { Catalog } from '../sources/catalog.js';
import { canonicalSource } from '../sources/canonical.js';
import { isGitSpec, redact } from '../sources/spec.js';
import { isNpmSpec } from '../sources/npm-spec.js';
import { newComponent, type ComponentChange } from '../workflow/change.js';
import { nameFromFolder } from '../answers/folder-name.js';

/** What a create or add renders: one template, or a preset's components. */
export interface Selection {
  label: string;
  preset: Preset | undefined;
  templates: Template[];
}

export async function selectTemplates(catalog: Catalog, fs: Fs, spec: string, cwd = '/'): Promise<Selection> {
  if (isGitSpec(spec)) {
    // A git repository: one template (at //SUB), at #REF, @VERSION or the latest tag.
    return { label: redact(spec), preset: undefined, templates: [await catalog.git.loadSpec(spec)] };
  }
  if (isNpmSpec(spec)) {
    // An npm package: one template (at //SUB), at the version @RANGE picks or the latest.
    return { label: spec, preset: undefined, templates: [await catalog.npm.loadSpec(spec)] };
  }
  if (isPathSpec(spec)) {
    // A folder: one template, or a template's VERSION/ folders (the latest, or @VERSION).
    const { path, version } = splitPathVersion(spec);
    const dir = resolve(cwd, path);
    const versions = await catalog.versions('', `dir:${dir}`);
    if (versions.length === 0) {
      throw new UsageError('template-folder', `${path} is neither a template (template.yaml, files/) nor a folder of template versions.`, {
        hint: 'Point --template at the folder holding template.yaml, or at one holding VERSION/ folders (a catalog\'s NAME/ folder); or use --catalog FOLDER and NAME[@VERSION].',
      });
    }
    const template = await catalog.load(`template@${version ?? versions.at(-1)!}`, `dir:${dir}`);
    return { label: spec, preset: undefined, templates: [template] };
  }
  // A name: a preset or a template of the run's catalog (built in, or --catalog / PLATFORM_CATALOG / config).
  const preset = spec.includes('@') ? undefined : await catalog.preset(spec);
  if (!preset) return { label: spec, preset: undefined, templates: [await catalog.loadFromHome(spec)] };
  const templates: Template[] = [];
  for (const component of preset.components) templates.push(await catalog.loadFromHome(component.template));
  return { label: preset.name, preset, templates };
}

/** `./catalog/service@1.0.0` -> the folder and the version (an `@` in a folder name above stays). */
function splitPathVersion(spec: string): { path: string; version: string | undefined } {
  const at = spec.lastIndexOf('@');
  if (at <= spec.lastIndexOf('/')) return { path: spec, version: undefined };
  const version = spec.slice(at + 1);
  if (!isVersion(version)) {
    throw new UsageError('template-ref', `"${spec}": @${version} is not a version; a folder takes @VERSION such as @1.0.0.`, { hint: 'Name the folder, optionally followed by @VERSION of one of its VERSION/ folders.' });
  }
  return { path: spec.slice(0, at), version };
}

export interface ComposeInput {
  selection: Selection;
  given: Map<string, GivenAnswer>;
  defaults: ReadonlyMap<string, unknown>;
  useDefaults: boolean;
  prompter: Prompter | undefined;
  targetName: string;
}

/** Which components are in, and one answer per question name across them. */
export async function resolveComposition(input: ComposeInput): Promise<{ included: Template[]; answers: ResolvedAnswers; given: Set<string> }> {
  const { selection } = input;
  // {{@target}} in defaults is the folder's name made a valid name: "My Service" gives my-service.
  const renderer = createRenderer({ templateId: selection.label, data: { target: nameFromFolder(input.targetName) } });
  const evaluate = (expression: string, answers: Record<string, unknown>): string =>
    renderer.render(expression, JSON.parse(JSON.stringify(answers)) as object, `${selection.label} (template.yaml)`);

  let included = selection.templates;
  const inclusion: Record<string, unknown> = {};
  // Without a terminal, report every missing answer at once: the components' questions too.
  let missingInclusion: UsageError | undefined;
  if (selection.preset) {
    const optional = selection.preset.components.filter((c) => c.optional).map((c) => ({ component: c.template, question: inclusionQuestion(c) }));
    const names = new Set(optional.map((o) => o.question.name));
    input.prompter?.groups?.([{ label: 'components', questions: optional.map((o) => o.question).filter((q) => !input.given.has(q.name)) }]);
    const picked = await resolveAnswers({
      questions: optional.map((o) => o.question),
      given: new Map([...input.given].filter(([name]) => names.has(name))),
      useDefaults: input.useDefaults,
      prompter: input.prompter,
      evaluate,
      templateId: selection.label,
    }).catch((error: unknown) => {
      if (!(error instanceof UsageError) || error.code !== 'answers-missing') throw error;
      missingInclusion = error;
      return { values: Object.fromEntries(optional.map((o) => [o.question.name, input.given.get(o.question.name)?.value ?? true])) };
    });
    Object.assign(inclusion, picked.values);
    const excluded = new Set(optional.filter((o) => picked.values[o.question.name] === false || picked.values[o.question.name] === 'false').map((o) => o.component));
    included = selection.templates.filter((t) => !excluded.has(t.manifest.name));
  }

  // Shared questions are asked once: the first component to declare a name asks it, with the
  // strictest bounds any component sets (deploy's shorter name limit holds for the whole path).
  const { questions, groups } = composeQuestions(included);
  const seen = new Set(questions.map((q) => q.name));
  // Answers for left-out components' questions are dropped, not errors.
  const everyQuestion = new Set(selection.templates.flatMap((t) => t.manifest.questions.map((q) => q.name)));
  const given = new Map([...input.given].filter(([name]) => !(name in inclusion) && (seen.has(name) || !everyQuestion.has(name))));
  // A component asking what the preset already asked (deploy's withSecrets) takes that answer.
  for (const [name, value] of Object.entries(inclusion)) {
    if (seen.has(name)) given.set(name, input.given.get(name) ?? { value, where: { flag: `--set ${name}` } });
  }
  // The short path offers, per component, what is still to answer.
  input.prompter?.groups?.(groups.map((g) => ({ ...g, questions: g.questions.filter((q) => !given.has(q.name)) })));
  const answers = await resolveAnswers({
    questions,
    given,
    useDefaults: input.useDefaults,
    prompter: input.prompter,
    evaluate,
    templateId: selection.label,
    defaults: input.defaults,
  }).catch((error: unknown) => {
    if (missingInclusion && error instanceof UsageError && error.code === 'answers-missing') throw combineMissing(missingInclusion, error);
    throw error;
  });
  if (missingInclusion) throw missingInclusion;
  return { included, answers, given: new Set(given.keys()) };
}

/** create and add: the selection's components, new to the folder, with one answer per question name. */
export async function newComponents(input: ComposeInput): Promise<ComponentChange[]> {
  return componentChanges(await resolveComposition(input));
}

/** A resolved composition as the new components the workflow plans. */
export function componentChanges({ included, answers }: { included: Template[]; answers: ResolvedAnswers }): ComponentChange[] {
  return included.map((template) => newComponent(template, sourceLabel(template), answers));
}

/**
 * Shared questions are asked once: the first component to declare a name asks it (its group),
 * with the strictest bounds any component sets (deploy's shorter name limit holds for the whole
 * path), and essential if any component says so.
 */
export function composeQuestions(templates: readonly Template[]): { questions: Question[]; groups: QuestionGroup[] } {
  const questions: Question[] = [];
  const groups: QuestionGroup[] = [];
  for (const template of templates) {
    const group: QuestionGroup = { label: template.manifest.name, questions: [] };
    for (const question of template.manifest.questions) {
      const first = questions.findIndex((q) => q.name === question.name);
      if (first === -1) {
        questions.push(question);
        group.questions.push(question);
      } else {
        const merged = strictest(questions[first]!, question);
        for (const g of groups) g.questions = g.questions.map((q) => (q === questions[first] ? merged : q));
        questions[first] = merged;
      }
    }
    groups.push(group);
  }
  return { questions, groups: groups.filter((g) => g.questions.length > 0) };
}

/** A shared question with the tighter of two declarations' length and range bounds. */
function strictest(asked: Question, other: Question): Question {
  const essential = asked.essential === true || other.essential === true ? { essential: true } : {};
  return { ...tighter(asked, other), ...essential };
}

function tighter(asked: Question, other: Question): Question {
  if (asked.type === 'string' && other.type === 'string') {
    const maxLength = [asked.maxLength, other.maxLength].filter((n) => n !== undefined);
    const minLength = [asked.minLength, other.minLength].filter((n) => n !== undefined);
    return { ...asked, ...(maxLength.length > 0 ? { maxLength: Math.min(...maxLength) } : {}), ...(minLength.length > 0 ? { minLength: Math.max(...minLength) } : {}) };
  }
  if (asked.type === 'number' && other.type === 'number') {
    const max = [asked.max, other.max].filter((n) => n !== undefined);
    const min = [asked.min, other.min].filter((n) => n !== undefined);
    return { ...asked, ...(max.length > 0 ? { max: Math.min(...max) } : {}), ...(min.length > 0 ? { min: Math.max(...min) } : {}) };
  }
  return asked;
}

/**
 * The cross-component checks a run makes: the preset's it applies, else the run's catalog's
 * default preset's (add, upgrade, a single template), which hold for any of its components.
 */
export async function presetChecks(catalog: Catalog, preset: Preset | undefined): Promise<{ name: string; checks: Preset['checks'] } | undefined> {
  // The catalog's default preset may be out of reach (offline, a moved folder): its checks then
  // wait for a run that can read it, rather than stopping an upgrade of components found elsewhere.
  const used = preset ?? (await catalog.preset(DEFAULT_PRESET).catch((error: unknown) => {
    if (error instanceof PlatformError && catalog.home.kind !== 'builtin') return undefined;
    throw error;
  }));
  return used && used.checks.length > 0 ? { name: used.name, checks: used.checks } : undefined;
}

/** A --template that names a folder rather than a built-in template (or a git repository). */
export function isPathSpec(spec: string): boolean {
  if (isGitSpec(spec) || isNpmSpec(spec)) return false;
  return spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec === '.' || spec === '..';
}

/** How the lockfile records where a template came from. */
export function sourceLabel(template: Template): string {
  // Recorded canonical, so the next run's trust and catalog decisions see the same string.
  return canonicalSource(lockfileSource(template.source));
}

/** One "answers missing" error out of two (the preset's questions, then the components'). */
function combineMissing(first: UsageError, second: UsageError): UsageError {
  const names = (e: UsageError): string => /ask: (.+)\.$/.exec(e.message)?.[1] ?? '';
  const total = first.problems.length + second.problems.length;
  return new UsageError('answers-missing', `${total} questions have no answer and there is no terminal to ask: ${names(first)}, ${names(second)}.`, {
    problems: [...first.problems, ...second.problems],
    hint: second.hint ?? first.hint ?? '',
  });
}
