import type { QuestionGroup, ResolvedAnswers } from '../answers/resolve.js';
import type { Question } from '../template/schema.js';
import type { Template } from '../template/template.js';
import { holdsPlaceholder } from '../answers/placeholder.js';
import { shortPathPrompter } from '../answers/short-path.js';
import { CancelledError } from '../core/errors.js';
import type { ComponentChange } from '../workflow/change.js';
import { componentChanges, composeQuestions, resolveComposition, type ComposeInput } from './compose.js';
import type { TerminalPrompter } from './prompter.js';

export type ReviewChoice = 'go' | 'customise' | 'cancel';

/** What the review screen is about to do: create-service creates a service, platform add adds components. */
export interface ReviewAction {
  /** `Create` or `Add`: the first choice (`Create it`) and the question (`Create, customise or cancel?`). */
  verb: string;
  /** The screen's first line: `The new service in ./orders-api:`. */
  heading: string;
  /** What the repository already answered (see shortPathPrompter): never asked while it fits. */
  settled?: ReadonlyMap<string, unknown>;
}

export function reviewChoices(verb: string): Array<{ value: ReviewChoice; name: string; short: string }> {
  return [
    { value: 'go', name: `${verb} it`, short: verb.toLowerCase() },
    { value: 'customise', name: 'Customise the other settings, component by component (each can be skipped)', short: 'customise' },
    { value: 'cancel', name: 'Cancel (nothing is written)', short: 'cancel' },
  ];
}

/**
 * The short path on a terminal: the essential questions, then a review screen (create or add,
 * customise, cancel); customise walks the other questions component by component, each group
 * skippable, and comes back to the review. Cancel writes nothing (exit 130, as Ctrl-C).
 */
export async function reviewedComponents(compose: Omit<ComposeInput, 'prompter'>, terminal: TerminalPrompter, output: NodeJS.WritableStream, action: ReviewAction): Promise<ComponentChange[]> {
  const settled = action.settled ?? new Map<string, unknown>();
  const prompter = shortPathPrompter(terminal, (group) => terminal.confirmGroup(group), settled);
  for (;;) {
    const composition = await resolveComposition({ ...compose, prompter });
    const included = new Set(composition.included);
    const lines = reviewLines({
      heading: action.heading,
      included: composition.included,
      left: compose.selection.templates.filter((t) => !included.has(t)).map((t) => t.manifest.name),
      groups: composeQuestions(composition.included).groups,
      answers: composition.answers,
      given: new Set([...composition.given, ...settled.keys()]),
    });
    output.write(`\n${lines.join('\n')}\n\n`);
    const choice = await terminal.choose(`${action.verb}, customise or cancel?`, reviewChoices(action.verb), 'go');
    if (choice === 'go') return componentChanges(composition);
    if (choice === 'cancel') throw new CancelledError();
    prompter.customise();
  }
}

export interface ReviewInput {
  /** The screen's first line, naming the folder as the user should read it (relative to where they are). */
  heading: string;
  included: readonly Template[];
  left: readonly string[];
  groups: readonly QuestionGroup[];
  answers: ResolvedAnswers;
  /** Answered by flags, an answers file or the repository: shown when notable, never counted as a default. */
  given: ReadonlySet<string>;
}

/**
 * The review screen of the short path: what will be created (each component and version), the
 * answers that change what is generated (essential ones, choices, numbers), and how many other
 * settings keep their defaults. Values are shown as `key=value`, the form `--set` takes.
 */
export function reviewLines(input: ReviewInput): string[] {
  const { values, secrets } = input.answers;
  const active = input.answers.active;
  const isActive = (q: Question): boolean => active === undefined || active.has(q.name);
  const width = Math.max(...input.included.map((t) => t.manifest.name.length));
  let others = 0;
  const unset = new Set<string>();
  const lines = [input.heading, ''];
  for (const template of input.included) {
    const group = input.groups.find((g) => g.label === template.manifest.name);
    const shown: string[] = [];
    for (const question of group?.questions ?? []) {
      if (!isActive(question)) continue;
      // Environment-specific answers nobody gave yet: listed apart, never counted as a default.
      if (!secrets.has(question.name) && holdsPlaceholder(values[question.name])) {
        unset.add(question.name);
        continue;
      }
      if (!secrets.has(question.name) && isNotable(question)) shown.push(`${question.name}=${shortValue(values[question.name])}`);
      else if (!input.given.has(question.name)) others += 1;
    }
    lines.push(`  ${template.manifest.name.padEnd(width)}  ${template.manifest.version.padEnd(6)} ${shown.join('  ')}`.trimEnd());
  }
  if (input.left.length > 0) lines.push(`  left out: ${input.left.join(', ')}`);
  lines.push('');
  if (unset.size > 0) {
    lines.push(`Not known yet: ${[...unset].join(', ')}.`);
    lines.push('The files hold <set-me:NAME> until each is set (Customise, or later platform upgrade');
    lines.push('--set NAME=VALUE); deploys stop until then, build and tests do not.');
  }
  if (others > 0) lines.push(`${others} more setting${others === 1 ? '' : 's'} keep${others === 1 ? 's its default' : ' their defaults'}; "Customise" goes through them.`);
  return lines;
}

/** A value on one line, escaped (no control characters reach the terminal), cut at 60 characters. */
function shortValue(value: unknown): string {
  const text = (Array.isArray(value) ? value : [value]).map((v) => JSON.stringify(v ?? null).replace(/^"(.*)"$/, '$1')).join(',');
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** Worth seeing before creating: what the user answered first, and the choices and numbers that shape the files. */
function isNotable(question: Question): boolean {
  return question.essential === true || question.type === 'select' || question.type === 'multiselect' || question.type === 'number';
}
