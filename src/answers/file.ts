import { parseYamlSource } from '../core/yaml-source.js';
import { UsageError } from '../core/errors.js';
import type { GivenAnswer } from './resolve.js';

/** An --answers file (YAML or JSON): a map of question name -> value, each with its line. */
export function parseAnswersFile(text: string, file: string): Map<string, GivenAnswer> {
  const source = parseYamlSource(text, file, 'Answers file');
  const data = source.data;
  if (data === null || data === undefined) return new Map();
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError('answers-shape', `Answers file ${file} must be a map of question names to answers.`, {
      where: { file, line: 1 },
      hint: 'Write one "name: value" per line, for example "port: 8080".',
    });
  }
  const answers = new Map<string, GivenAnswer>();
  for (const [name, value] of Object.entries(data)) answers.set(name, { value, where: source.locate([name]) });
  return answers;
}

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** --set key=value pairs, in order; a later --set of the same key wins. */
export function parseSetFlags(pairs: string[]): Map<string, GivenAnswer> {
  const answers = new Map<string, GivenAnswer>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new UsageError('set-syntax', `--set ${pair}: expected key=value.`, {
        hint: 'For example: --set port=8080. Repeat --set for several answers.',
      });
    }
    const name = pair.slice(0, eq).trim();
    if (name === '' || RESERVED.has(name)) {
      throw new UsageError('set-reserved', `--set ${pair}: "${name}" is not a question name${name === '' ? '' : ' (it is reserved: it could change how every object behaves)'}.`, {
        hint: 'Give the name of one of the template\'s questions: --set NAME=VALUE (see `platform templates`).',
      });
    }
    answers.set(name, { value: pair.slice(eq + 1), where: { flag: `--set ${name}` } });
  }
  return answers;
}
