import { choiceValue, type Question } from '../template/schema.js';
import { compilePattern } from '../template/pattern.js';
import { isOwnPlaceholder } from './placeholder.js';

/** No text answer is longer (a key, a certificate fits): bounds what a pattern or render sees. */
export const MAX_STRING_ANSWER = 64 * 1024;

/** Linear-time match; a pattern that does not compile was refused at load, so it matches nothing. */
function matchesPattern(source: string, text: string): boolean {
  const compiled = compilePattern(source);
  return compiled.ok && compiled.pattern.test(text);
}

/** Turns a raw value (a --set string, or anything from an answers file) into the question's type. */
export function coerceAnswer(question: Question, raw: unknown): { value: unknown } | { error: string } {
  switch (question.type) {
    case 'string':
    case 'select':
      if (typeof raw === 'string') return { value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) };
      return { error: 'expects text' };
    case 'number': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(value) ? { value } : { error: 'expects a number' };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const text = String(raw).trim().toLowerCase();
      if (['true', 'yes', 'y', '1', 'on'].includes(text)) return { value: true };
      if (['false', 'no', 'n', '0', 'off'].includes(text)) return { value: false };
      return { error: 'expects true or false' };
    }
    case 'multiselect':
      if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return { value: raw };
      if (typeof raw === 'string') return { value: raw.split(',').map((s) => s.trim()).filter(Boolean) };
      return { error: 'expects a list (comma-separated with --set)' };
  }
}

/** The rule a typed value breaks, said so a person can fix it; undefined when it is valid. */
export function answerProblem(question: Question, value: unknown): string | undefined {
  // Its own marker stands for "not given yet": the files say so, status --check and CI flag it.
  if (isOwnPlaceholder(question, value)) return undefined;
  switch (question.type) {
    case 'string': {
      const text = value as string;
      if (question.minLength !== undefined && text.length < question.minLength) {
        return `must be at least ${question.minLength} character${question.minLength === 1 ? '' : 's'} long`;
      }
      if (question.maxLength !== undefined && text.length > question.maxLength) {
        return `must be at most ${question.maxLength} characters long`;
      }
      if (text.length > MAX_STRING_ANSWER) return `must be at most ${MAX_STRING_ANSWER} characters long (${text.length} given)`;
      if (question.pattern !== undefined && !matchesPattern(question.pattern, text)) {
        return `must be ${question.patternHint ?? `text matching /${question.pattern}/`}`;
      }
      return undefined;
    }
    case 'number': {
      const n = value as number;
      if (question.integer && !Number.isInteger(n)) return 'must be a whole number';
      if (question.min !== undefined && n < question.min) return `must be at least ${question.min}`;
      if (question.max !== undefined && n > question.max) return `must be at most ${question.max}`;
      return undefined;
    }
    case 'boolean':
      return undefined;
    case 'select': {
      const values = question.choices.map(choiceValue);
      return values.includes(value as string) ? undefined : `must be one of: ${values.join(', ')}`;
    }
    case 'multiselect': {
      const values = question.choices.map(choiceValue);
      const wrong = (value as string[]).filter((v) => !values.includes(v));
      if (wrong.length === 0) return undefined;
      return `may only hold: ${values.join(', ')}${question.secret ? '' : ` (not ${wrong.join(', ')})`}`;
    }
  }
}

/** How to give this answer on the command line, for error messages. */
export function setFlagExample(question: Question): string {
  const example =
    question.type === 'number'
      ? String(question.default !== undefined && typeof question.default === 'number' ? question.default : (question.min ?? 1))
      : question.type === 'boolean'
        ? 'true'
        : question.type === 'select'
          ? choiceValue(question.choices[0]!)
          : question.type === 'multiselect'
            ? question.choices.slice(0, 2).map(choiceValue).join(',')
            : '…';
  return `--set ${question.name}=${example}`;
}

/** A value as it may be shown to a person: secrets never are. */
export function displayValue(question: Question, value: unknown): string {
  if (question.secret) return '(secret)';
  return Array.isArray(value) ? value.join(',') : JSON.stringify(value);
}
