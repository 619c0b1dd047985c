import type { Prompter, QuestionGroup } from './resolve.js';
import type { Question } from '../template/schema.js';

/**
 * The short interactive path: a prompter that asks only essential questions first (and any
 * question whose default is missing or invalid: there is nothing honest to keep), then, once the
 * user chose "customise" on the review screen, walks the other questions group by group, each
 * group skippable. Everything not asked keeps its default, computed from the answers so far.
 * `settled`: the repository's own answers (name -> value): never asked while they fit.
 */
export interface ShortPathPrompter extends Prompter {
  /** From now on the non-essential questions are offered, group by group (asked again each time). */
  customise(): void;
}

/** Whether the user wants to go through a group's questions (false keeps their defaults). */
export type GroupConfirm = (group: QuestionGroup) => Promise<boolean>;

export function shortPathPrompter(inner: Prompter, confirmGroup: GroupConfirm, settled: ReadonlyMap<string, unknown> = new Map()): ShortPathPrompter {
  let customising = false;
  /** What the user typed or picked: it wins over a default on every later walk. */
  const answered = new Map<string, unknown>();
  const groupOf = new Map<string, QuestionGroup>();
  const decided = new Map<QuestionGroup, boolean>();

  const askInner = async (question: Question, defaultValue: unknown, validate: (value: unknown) => string | true): Promise<unknown> => {
    const value = await inner.ask(question, defaultValue, validate);
    answered.set(question.name, value);
    return value;
  };

  return {
    groups(groups) {
      for (const group of groups) {
        // A customise walk offers (and counts) only what is not settled.
        const open = { ...group, questions: group.questions.filter((q) => !settled.has(q.name)) };
        for (const question of open.questions) groupOf.set(question.name, open);
      }
    },
    customise() {
      customising = true;
      decided.clear();
    },
    async ask(question, defaultValue, validate) {
      const previous = answered.has(question.name) && validate(answered.get(question.name)) === true ? { value: answered.get(question.name) } : undefined;
      const current = previous ? previous.value : defaultValue;
      if (mustAsk(current, validate)) return askInner(question, current, validate);
      // The repository's own answer (`platform add`: what its other components were told, which
      // components it has) is not asked again, essential or not. When this component's rules
      // refused it (the default offered is another), the user decides.
      if (settled.has(question.name)) {
        if (JSON.stringify(current) === JSON.stringify(settled.get(question.name))) return current;
        return previous ? previous.value : askInner(question, current, validate);
      }
      if (question.essential) return previous ? previous.value : askInner(question, current, validate);
      if (!customising) return current;
      const group = groupOf.get(question.name);
      if (group) {
        let wanted = decided.get(group);
        if (wanted === undefined) {
          wanted = await confirmGroup(group);
          decided.set(group, wanted);
        }
        if (!wanted) return current;
      }
      return askInner(question, current, validate);
    },
  };
}

/** No default, or one its own rules reject: only the user can give a value. */
function mustAsk(value: unknown, validate: (value: unknown) => string | true): boolean {
  return value === undefined || value === null || validate(value) !== true;
}

/** The questions of a group a "customise" walk can offer (essential ones were asked already). */
export function customisable(group: QuestionGroup): Question[] {
  return group.questions.filter((q) => !q.essential);
}

/** Whether a selection has a short path at all: templates that mark nothing essential are asked in full. */
export function hasEssentials(questions: Iterable<Question>): boolean {
  for (const question of questions) if (question.essential) return true;
  return false;
}
