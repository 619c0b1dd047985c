import type { QuestionGroup, ResolvedAnswers } from '../answers/resolve.js';
import type { Question } from '../template/schema.js';
import type { Template } from '../template/template.js';
import { holdsPlaceholder } from '../answers/placeholder.js';

export type ReviewChoice = 'create' | 'customise' | 'cancel';

export const REVIEW_CHOICES: Array<{ value: ReviewChoice; name: string; short: string }> = [
  { value: 'create', name: 'Create it', short: 'create' },
  { value: 'customise', name: 'Customise the other settings, component by component (each can be skipped)', short: 'customise' },
  { value: 'cancel', name: 'Cancel (nothing is written)', short: 'cancel' },
];

export interface ReviewInput {
  /** The folder as the user should read it (relative to where they are). */
  folder: string;
  included: readonly Template[];
  left: readonly string[];
  groups: readonly QuestionGroup[];
  answers: ResolvedAnswers;
  /** Answered by flags or an answers file: shown when notable, never counted as a default. */
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
  const lines = [`The new service in ${input.folder}:`, ''];
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
