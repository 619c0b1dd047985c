import type { Prompter } from '../answers/resolve.js';
import { CancelledError } from '../core/errors.js';
import { choiceLabel, choiceValue, type Question } from '../template/schema.js';

/** Prompts on a terminal with @inquirer/prompts, loaded only when a question is asked. */
export function inquirerPrompter(output: NodeJS.WritableStream): Prompter {
  return {
    async ask(question, defaultValue, validate) {
      const prompts = await import('@inquirer/prompts');
      const context = { output, clearPromptOnDone: false };
      const message = describeQuestion(question);
      const check = (value: unknown): string | true => validate(value);
      try {
        switch (question.type) {
          case 'string':
            if (question.secret) {
              return await prompts.password({ message, mask: true, validate: check }, context);
            }
            return await prompts.input(
              { message, ...(typeof defaultValue === 'string' ? { default: defaultValue } : {}), validate: check },
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
              },
              context,
            );
          case 'boolean':
            return await prompts.confirm({ message, default: defaultValue === true }, context);
          case 'select':
            return await prompts.select(
              {
                message,
                choices: question.choices.map((c) => ({ value: choiceValue(c), name: choiceLabel(c) })),
                ...(typeof defaultValue === 'string' ? { default: defaultValue } : {}),
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
                  name: choiceLabel(c),
                  checked: selected.includes(choiceValue(c)),
                })),
                validate: (items) => check(items.map((item) => item.value)),
              },
              context,
            );
          }
        }
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

export function describeQuestion(question: Question): string {
  return question.help ? `${question.message ?? question.name} (${question.help})` : (question.message ?? question.name);
}
