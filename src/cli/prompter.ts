import { Chalk, type ChalkInstance } from 'chalk';
import type { Prompter, QuestionGroup } from '../answers/resolve.js';
import { customisable } from '../answers/short-path.js';
import { CancelledError } from '../core/errors.js';
import { choiceLabel, choiceValue } from '../template/schema.js';

/** A prompter that can also ask the short path's own questions (skip a group, the review choice). */
export interface TerminalPrompter extends Prompter {
  confirmGroup(group: QuestionGroup): Promise<boolean>;
  choose<T extends string>(message: string, choices: Array<{ value: T; name: string; short?: string }>, defaultValue: T): Promise<T>;
}

/**
 * Prompts on a terminal with @inquirer/prompts, loaded only when a question is asked. One style
 * for every type: the help on a dim line above while the question is open (gone from the answered
 * line), the default dim in parentheses after the question, select choices as "label (value)".
 */
export function inquirerPrompter(output: NodeJS.WritableStream, color: ChalkInstance = new Chalk({ level: 0 })): TerminalPrompter {
  const context = { output, clearPromptOnDone: false };
  const theme = (question: { help?: string | undefined }, shownDefault?: string) => ({
    // The help rides on the idle prefix: above the question while it is open, not on the answered line.
    prefix: { idle: `${question.help ? `${color.dim(`  ${printable(question.help)}`)}\n` : ''}${color.blue('?')}`, done: color.green('✔') },
    style: {
      defaultAnswer: (text: string) => color.dim(`(${printable(text)})`),
      message: (text: string, status: string) =>
        status === 'done' || shownDefault === undefined ? color.bold(text) : `${color.bold(text)} ${color.dim(`(${shownDefault})`)}`,
    },
  });

  return {
    async ask(question, defaultValue, validate) {
      const prompts = await import('@inquirer/prompts');
      const message = printable(question.message ?? question.name);
      const check = (value: unknown): string | true => {
        const verdict = validate(value);
        return verdict === true ? true : printable(verdict);
      };
      try {
        switch (question.type) {
          case 'string':
            if (question.secret) {
              return await prompts.password({ message, mask: true, validate: check, theme: theme(question) }, context);
            }
            return await prompts.input(
              { message, ...(typeof defaultValue === 'string' ? { default: defaultValue } : {}), validate: check, theme: theme(question) },
              context,
            );
          case 'number':
            return await prompts.number(
              {
                message,
                ...(typeof defaultValue === 'number' ? { default: defaultValue } : {}),
                required: true,
                ...(question.integer ? { step: 1 } : { step: 'any' as const }),
                validate: (value) => (value === undefined ? 'Enter a number' : check(value)),
                theme: theme(question),
              },
              context,
            );
          case 'boolean':
            // confirm shows its default as (Y/n) or (y/N), through the same defaultAnswer style
            return await prompts.confirm({ message, default: defaultValue === true, theme: theme(question) }, context);
          case 'select':
            return await prompts.select(
              {
                message,
                choices: question.choices.map((c) => ({ value: choiceValue(c), name: labelWithValue(c) })),
                ...(typeof defaultValue === 'string' ? { default: defaultValue } : {}),
                theme: theme(question, typeof defaultValue === 'string' ? printable(defaultValue) : undefined),
              },
              context,
            );
          case 'multiselect': {
            const selected = Array.isArray(defaultValue) ? defaultValue : [];
            return await prompts.checkbox(
              {
                message,
                choices: question.choices.map((c) => ({
                  value: choiceValue(c),
                  name: labelWithValue(c),
                  checked: selected.includes(choiceValue(c)),
                })),
                validate: (items) => check(items.map((item) => item.value)),
                theme: theme(question, selected.length > 0 ? printable(selected.join(', ')) : 'none'),
              },
              context,
            );
          }
        }
      } catch (error) {
        throw asCancel(error);
      }
    },

    async confirmGroup(group) {
      const { confirm } = await import('@inquirer/prompts');
      const names = customisable(group).map((q) => q.name);
      const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')}, …` : names.join(', ');
      const help = `${names.length} setting${names.length === 1 ? '' : 's'}: ${shown}; no keeps their defaults`;
      try {
        return await confirm({ message: `Customise ${group.label}?`, default: false, theme: theme({ help }) }, context);
      } catch (error) {
        throw asCancel(error);
      }
    },

    async choose(message, choices, defaultValue) {
      const { select } = await import('@inquirer/prompts');
      try {
        return await select({ message, choices, default: defaultValue, theme: theme({}) }, context);
      } catch (error) {
        throw asCancel(error);
      }
    },
  };
}

/** Asks for a free-text value that is not a template question (the target folder). */
export async function askText(output: NodeJS.WritableStream, message: string, defaultValue: string, validate: (value: string) => string | true): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  try {
    return await input({ message, default: defaultValue, validate }, { output, clearPromptOnDone: false });
  } catch (error) {
    throw asCancel(error);
  }
}

function asCancel(error: unknown): unknown {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError') ? new CancelledError() : error;
}

/** A choice as the user sees it: its label, and the value --set and answers files take. */
function labelWithValue(choice: Parameters<typeof choiceLabel>[0]): string {
  const label = printable(choiceLabel(choice));
  const value = printable(choiceValue(choice));
  return label === value ? value : `${label} (${value})`;
}

/** Template text reaches the terminal as text: a template from elsewhere cannot send escape sequences. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' || c === '\t' ? ' ' : '?'));
}
