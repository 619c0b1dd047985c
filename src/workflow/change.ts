import { posix } from 'node:path';
import { resolveAnswers, type ResolvedAnswers } from '../answers/resolve.js';
import { expressionEvaluator } from '../answers/expressions.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import { assertSafeRelative } from '../core/target.js';
import type { LockedTemplate } from '../lock/lockfile.js';
import { createRenderer } from '../render/handlebars.js';
import { renderTemplate, type CliIdentity, type RenderedTree } from '../render/render.js';
import { templateId, type Template } from '../template/template.js';
import type { ComponentInput } from '../plan/plan-component.js';

/**
 * One component's move, as every command sees it: from what the lockfile recorded (nothing, for
 * create and add) to a template version with its answers. The commands differ only in how they
 * find these; everything after is one pipeline.
 */
export interface ComponentChange {
  /** The template version the component moves to. */
  target: Template;
  /** Where it comes from (canonical, absolute): what trust and the catalog decide on. */
  source: string;
  /** How .platform.yaml records the source when that differs (a folder relative to the repository). */
  recorded?: string;
  /** The lockfile's entry; undefined when the component is new here. */
  locked: LockedTemplate | undefined;
  /** The recorded version rendered again with the recorded answers; undefined when it cannot be. */
  base: RenderedTree | undefined;
  /**
   * When set, the base is rendered by this instead, after the disk is read, for only the
   * recorded paths that need one (see renderRecorded's `only`); `base` is then not used.
   */
  renderBase?: BaseRenderer;
  answers: ResolvedAnswers;
}

/** The recorded version rendered again for these recorded paths (undefined when it cannot be). */
export type BaseRenderer = (paths: ReadonlySet<string>) => Promise<RenderedTree | undefined>;

/** A component new to the folder (create, add): nothing recorded, nothing to merge from. */
export function newComponent(target: Template, source: string, answers: ResolvedAnswers): ComponentChange {
  return { target, source, locked: undefined, base: undefined, answers };
}

/** What renders from a change: the target's files, its renames, and the answers the lockfile keeps. */
export function renderChange(change: ComponentChange, targetName: string, cli: CliIdentity): Pick<ComponentInput, 'theirs' | 'renames' | 'answers' | 'target' | 'locked' | 'base'> {
  const { target, answers } = change;
  const theirs = renderTemplate(target, { answers: answers.values, secrets: answers.secrets, targetName, cli });
  // Only this template's own questions are recorded (a preset's answers are shared by several), never a secret.
  const own = new Set(target.manifest.questions.map((q) => q.name));
  const persisted = Object.fromEntries(Object.entries(answers.values).filter(([name]) => own.has(name) && !answers.secrets.has(name)));
  return {
    locked: change.locked,
    base: change.locked ? change.base : undefined,
    theirs,
    renames: change.locked ? renderRenames(target, answers.values, targetName) : new Map(),
    answers: persisted,
    target: { name: target.manifest.name, version: target.manifest.version, source: change.recorded ?? change.source, requires: target.manifest.requires },
  };
}

/** The target's declared renames, rendered with the answers; each side must stay inside the repository. */
function renderRenames(template: Template, answers: Record<string, unknown>, targetName: string): Map<string, string> {
  const id = templateId(template);
  const renderer = createRenderer({ templateId: id, data: { target: targetName } });
  const data = JSON.parse(JSON.stringify(answers)) as object;
  const origin = { what: `the renames of ${id} (template.yaml)` };
  const file = posix.join(template.root, 'template.yaml');
  return new Map(
    template.manifest.renames.map((r) => {
      const from = renderer.render(r.from, data, file);
      const to = renderer.render(r.to, data, file);
      assertSafeRelative(from, origin);
      assertSafeRelative(to, origin);
      return [from, to];
    }),
  );
}

/**
 * What a component wrote last time: its recorded version (loaded by the caller) rendered again
 * for the CLI the lockfile recorded, with the recorded answers (questions the version does not ask are ignored; secrets take their
 * defaults: they are not recorded, and secret files are never compared).
 * With `only`, just the files that can land on those paths are rendered (see filesFor).
 */
export async function renderRecorded(template: Template, locked: LockedTemplate, targetName: string, cli: CliIdentity, only?: ReadonlySet<string>): Promise<RenderedTree> {
  const asked = new Set(template.manifest.questions.map((q) => q.name));
  const answers = await resolveAnswers({
    questions: template.manifest.questions,
    given: new Map(Object.entries(locked.answers).filter(([name]) => asked.has(name)).map(([name, value]) => [name, { value, where: { file: LOCKFILE_NAME } }])),
    useDefaults: true,
    prompter: undefined,
    evaluate: expressionEvaluator(template, targetName),
    templateId: templateId(template),
    secretsOptional: true,
  });
  return renderTemplate(only ? filesFor(template, only) : template, { answers: answers.values, targetName, cli });
}

/**
 * The template with only the files that can render to one of `paths`: a file whose path holds
 * no `{{` renders to that path less `.hbs` (or is left out by a condition), and every file whose
 * path is rendered from the answers is kept, because the base's paths are how a file moved by a
 * changed answer is found (implicit renames). Each file renders on its own, so each kept file
 * is exactly what rendering them all gives it.
 */
export function filesFor(template: Template, paths: ReadonlySet<string>): Template {
  const kept = template.files.filter((file) => file.path.includes('{{') || paths.has(file.path.endsWith('.hbs') ? file.path.slice(0, -'.hbs'.length) : file.path));
  return kept.length === template.files.length ? template : { ...template, files: kept };
}
