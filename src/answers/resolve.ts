import { UsageError, didYouMean, type Location, formatLocation } from '../core/errors.js';
import type { Question } from '../template/schema.js';
import { answerProblem, coerceAnswer, displayValue, setFlagExample } from './value.js';
import { holdsPlaceholder, placeholderOf } from './placeholder.js';

/** An answer given up front, with where it came from for messages. */
export interface GivenAnswer {
  value: unknown;
  where: Location | { flag: string };
  /** From the environment (PLATFORM_ANSWER_x): set for every run, so ignored where no question asks it. */
  ambient?: boolean;
}

/** Questions asked together: one component's (or a preset's choice of components). */
export interface QuestionGroup {
  label: string;
  questions: Question[];
}

/** Asks one question on a terminal. Tests answer from a map. */
export interface Prompter {
  ask(question: Question, defaultValue: unknown, validate: (value: unknown) => string | true): Promise<unknown>;
  /** Told which component asks what before a walk (the short path asks group by group). */
  groups?(groups: QuestionGroup[]): void;
}

export interface ResolveInput {
  questions: Question[];
  given: Map<string, GivenAnswer>;
  /** --yes: take defaults instead of asking. */
  useDefaults: boolean;
  /** undefined when there is no terminal: nothing is ever asked. */
  prompter: Prompter | undefined;
  /** Evaluates a Handlebars expression (default, when) over the answers so far. */
  evaluate(expression: string, answers: Record<string, unknown>): string;
  templateId: string;
  /** Defaults that win over the template's (values inferred from the repository). */
  defaults?: ReadonlyMap<string, unknown>;
  /** A secret nobody gave takes its default or null instead of being missing (re-rendering what was written). */
  secretsOptional?: boolean;
}

export interface ResolvedAnswers {
  /** Every question's value, including those skipped by `when` (their default, or null). */
  values: Record<string, unknown>;
  /** Names of secret questions: never persisted nor shown. */
  secrets: Set<string>;
  /** Names of the questions whose `when` held (the ones that shape the output), for summaries. */
  active?: Set<string>;
}

const describe = (where: GivenAnswer['where']): string => ('flag' in where ? where.flag : formatLocation(where));

/** Questions -> answers, from given values, prompts and defaults, all validated. */
export async function resolveAnswers(input: ResolveInput): Promise<ResolvedAnswers> {
  const known = new Set(input.questions.map((q) => q.name));
  for (const [name, given] of input.given) {
    if (!known.has(name) && !given.ambient) {
      throw new UsageError('answer-unknown', `${describe(given.where)}: "${name}" is not a question of ${input.templateId}.${didYouMean(name, known)}`, {
        ...('flag' in given.where ? {} : { where: given.where }),
        hint: `Its questions are: ${[...known].join(', ') || 'none'}.`,
      });
    }
  }

  const values: Record<string, unknown> = {};
  const active = new Set<string>();
  const missing: Question[] = [];
  const missingDefaults = new Map<string, unknown>();
  for (const question of input.questions) {
    // Once an answer is missing, later expressions may depend on it; keep listing what is missing.
    const defaultValue = missing.length > 0 ? safeDefault(question, values, input) : defaultOf(question, values, input);
    if (question.when !== undefined && !isTruthy(evaluateOrMissing(question.when, values, input, missing))) {
      values[question.name] = defaultValue ?? null;
      continue;
    }
    active.add(question.name);
    const given = input.given.get(question.name);
    if (given) {
      values[question.name] = checkGiven(question, given);
    } else if (input.prompter && !input.useDefaults) {
      values[question.name] = await input.prompter.ask(question, defaultValue, (value) => {
        const problem = answerProblem(question, value);
        return problem ? `${question.name} ${problem}` : true;
      });
    } else if (input.useDefaults && defaultValue !== undefined) {
      const problem = answerProblem(question, defaultValue);
      if (problem) {
        const fromFolder = typeof question.default === 'string' && question.default.includes('@target');
        throw new UsageError('default-invalid', `The default of "${question.name}" (${displayValue(question, defaultValue)}) ${problem}.`, {
          hint: `Give it with ${setFlagExample(question)}${fromFolder ? " (the default comes from the folder's name, which has nothing usable for it)" : ''}.`,
        });
      }
      values[question.name] = defaultValue;
    } else if (input.secretsOptional && question.secret) {
      values[question.name] = defaultValue ?? null;
    } else {
      missing.push(question);
      if (defaultValue !== undefined) missingDefaults.set(question.name, defaultValue);
      // Later defaults are shown as --yes would compute them.
      values[question.name] = defaultValue ?? null;
    }
  }

  if (missing.length > 0) {
    const withoutDefault = missing.filter((q) => q.default === undefined && !(q.type === 'string' && q.placeholder));
    const lines = missing.map((q) => {
      const fallback = missingDefaults.get(q.name) === placeholderOf(q.name)
        ? `with --yes the files get the placeholder ${placeholderOf(q.name)} until it is set`
        : missingDefaults.has(q.name)
        ? `default with --yes: ${displayValue(q, missingDefaults.get(q.name))}`
        : q.default === undefined
          ? 'no default: must be given'
          : 'has a default';
      return `${q.name}${q.message ? ` (${q.message})` : ''}: ${setFlagExample(q)}  [${fallback}]`;
    });
    throw new UsageError('answers-missing', `${missing.length} question${missing.length === 1 ? ' has' : 's have'} no answer and there is no terminal to ask: ${missing.map((q) => q.name).join(', ')}.`, {
      problems: lines,
      hint:
        withoutDefault.length === missing.length
          ? 'Answer each with --set key=value or in an --answers file.'
          : 'Answer them with --set key=value or an --answers file, or pass --yes to take the defaults.',
    });
  }

  return { values, secrets: new Set(input.questions.filter((q) => q.secret).map((q) => q.name)), active };
}

function checkGiven(question: Question, given: GivenAnswer): unknown {
  const where = describe(given.where);
  const located = 'flag' in given.where ? {} : { where: given.where };
  const coerced = coerceAnswer(question, given.value);
  if ('error' in coerced) {
    throw new UsageError('answer-type', `${where}: "${question.name}" ${coerced.error}${question.secret ? '' : ` (got ${JSON.stringify(given.value)})`}.`, {
      ...located,
      hint: `For example: ${setFlagExample(question)}.`,
    });
  }
  const problem = answerProblem(question, coerced.value);
  if (problem) {
    throw new UsageError('answer-invalid', `${where}: "${question.name}" ${problem} (got ${displayValue(question, coerced.value)}).`, {
      ...located,
      hint: `Give a value that fits, for example ${setFlagExample(question)}.${question.help ? ` (${question.name}: ${question.help})` : ''}`,
    });
  }
  return coerced.value;
}

/**
 * The question's default, typed; Handlebars defaults are evaluated over earlier answers. A
 * placeholder question without a real default (none, empty, or derived from another
 * placeholder) defaults to its marker.
 */
function defaultOf(question: Question, answers: Record<string, unknown>, input: ResolveInput): unknown {
  const value = declaredDefault(question, answers, input);
  if (question.type === 'string' && question.placeholder && (value === undefined || value === '' || holdsPlaceholder(value))) return placeholderOf(question.name);
  return value;
}

function declaredDefault(question: Question, answers: Record<string, unknown>, input: ResolveInput): unknown {
  if (input.defaults?.has(question.name)) {
    const inferred = coerceAnswer(question, input.defaults.get(question.name));
    if (!('error' in inferred) && answerProblem(question, inferred.value) === undefined) return inferred.value;
  }
  const raw = question.default;
  if (raw === undefined) return undefined;
  const evaluated =
    typeof raw === 'string' && raw.includes('{{')
      ? input.evaluate(raw, answers)
      : Array.isArray(raw)
        ? raw.map((item) => (item.includes('{{') ? input.evaluate(item, answers) : item))
        : raw;
  const coerced = coerceAnswer(question, evaluated);
  if ('error' in coerced) {
    throw new UsageError('default-type', `Template ${input.templateId}: the default of "${question.name}" ${coerced.error} (got ${JSON.stringify(evaluated)}).`, {
      hint: 'Fix the default in template.yaml.',
    });
  }
  return coerced.value;
}

function safeDefault(question: Question, answers: Record<string, unknown>, input: ResolveInput): unknown {
  try {
    return defaultOf(question, answers, input);
  } catch {
    return undefined;
  }
}

function evaluateOrMissing(expression: string, answers: Record<string, unknown>, input: ResolveInput, missing: Question[]): string {
  if (missing.length === 0) return input.evaluate(expression, answers);
  try {
    return input.evaluate(expression, answers);
  } catch {
    return 'true';
  }
}

/** A `when` condition holds unless it renders empty, false, 0, null or undefined. */
export function isTruthy(rendered: string): boolean {
  const text = rendered.trim().toLowerCase();
  return !['', 'false', '0', 'null', 'undefined', 'no'].includes(text);
}
