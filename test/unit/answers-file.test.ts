/**
 * `platform answers NAME`: the file it writes parses back (as --answers reads it) to exactly the
 * literal defaults, keeps computed defaults, secrets and required answers commented out, and
 * says who asks each question.
 */
import { describe, expect, it } from 'vitest';
import { parseAnswersFile } from '../../src/answers/file.js';
import { answersFile } from '../../src/cli/answers.js';
import type { ListedQuestion } from '../../src/cli/templates.js';

const question = (key: string, fields: Partial<ListedQuestion>): ListedQuestion => ({
  key,
  type: 'string',
  message: undefined,
  help: undefined,
  default: undefined,
  choices: undefined,
  when: undefined,
  secret: false,
  askedBy: ['svc'],
  constraints: {},
  ...fields,
});

describe('the answers file', () => {
  const text = answersFile('svc', [{ name: 'svc', version: '1.0.0' }], [
    question('port', { type: 'number', default: 8080, askedBy: ['svc', 'deploy'] }),
    question('nodeVersion', { type: 'select', default: '22', choices: [{ value: '22', label: '22' }, { value: '24', label: '24' }] }),
    question('threshold', { type: 'select', default: '0.3', choices: [{ value: '0.3', label: '0.3' }] }),
    question('answer', { default: 'yes' }),
    question('environments', { type: 'multiselect', default: ['dev', 'prod'] }),
    question('owner', { default: '{{name}}-team', help: `${'a long help text '.repeat(10)}end` }),
    question('token', { secret: true, default: 'not-written' }),
    question('region', { when: "{{eq cloud 'aws'}}" }),
  ]);

  it('parses back to the literal defaults, with their types', () => {
    const given = Object.fromEntries([...parseAnswersFile(text, 'answers.yaml')].map(([key, answer]) => [key, answer.value]));
    expect(given).toEqual({ port: 8080, nodeVersion: '22', threshold: '0.3', answer: 'yes', environments: ['dev', 'prod'] });
  });

  it('comments out computed defaults, secrets and answers without a default, saying why', () => {
    expect(text).toContain('# default: {{name}}-team (computed when created)\n# owner:');
    expect(text).toContain('# token:');
    expect(text).not.toContain('not-written');
    expect(text).toContain('# no default: an answer is required.\n# region:');
    expect(text).toContain("# asked when: {{eq cloud 'aws'}}");
    expect(text).toContain('asked by svc, deploy');
    for (const line of text.split('\n')) if (line.startsWith('#')) expect(line.length).toBeLessThanOrEqual(140);
  });
});
