import { describe, expect, it } from 'vitest';
import { resolveAnswers, type GivenAnswer, type Prompter } from '../../src/answers/resolve.js';
import { parseAnswersFile, parseSetFlags } from '../../src/answers/file.js';
import { createRenderer } from '../../src/render/handlebars.js';
import { templateManifestSchema, type Question } from '../../src/template/schema.js';
import { PlatformError } from '../../src/core/errors.js';

const questions: Question[] = templateManifestSchema.parse({
  name: 'svc',
  version: '1.0.0',
  questions: [
    { name: 'name', type: 'string', default: '{{@target}}', pattern: '^[a-z][a-z0-9-]*$', patternHint: 'kebab-case' },
    { name: 'owner', type: 'string', default: '{{name}}-team' },
    { name: 'port', type: 'number', default: 8080, min: 1024, max: 65535, integer: true },
    { name: 'metrics', type: 'boolean', default: true },
    { name: 'db', type: 'select', choices: ['none', 'postgres'], default: 'none' },
    { name: 'migrations', type: 'boolean', default: true, when: '{{ne db "none"}}' },
    { name: 'envs', type: 'multiselect', choices: ['dev', 'staging', 'prod'], default: ['dev'] },
    { name: 'token', type: 'string', secret: true, default: '' },
  ],
}).questions;

const renderer = createRenderer({ templateId: 'svc@1.0.0', data: { target: 'orders-api' } });
const evaluate = (expression: string, answers: Record<string, unknown>): string => renderer.render(expression, answers, 'template.yaml');

function resolve(given: Map<string, GivenAnswer>, options: { yes?: boolean; prompter?: Prompter } = {}) {
  return resolveAnswers({ questions, given, useDefaults: options.yes ?? false, prompter: options.prompter, evaluate, templateId: 'svc@1.0.0' });
}
async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('resolving answers', () => {
  it('takes defaults with --yes, evaluating expressions over earlier answers and the target', async () => {
    const { values } = await resolve(new Map(), { yes: true });
    expect(values).toEqual({ name: 'orders-api', owner: 'orders-api-team', port: 8080, metrics: true, db: 'none', migrations: true, envs: ['dev'], token: '' });
  });

  it('types --set values by their question', async () => {
    const { values } = await resolve(parseSetFlags(['port=9090', 'metrics=no', 'envs=dev,prod', 'name=billing', 'db=postgres']), { yes: true });
    expect(values).toMatchObject({ port: 9090, metrics: false, envs: ['dev', 'prod'], name: 'billing', owner: 'billing-team', db: 'postgres' });
  });

  it('without a terminal and without --yes, names every unanswered question and how to answer it', async () => {
    const error = await failure(resolve(parseSetFlags(['name=billing'])));
    expect(error.code).toBe('answers-missing');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('owner, port, metrics, db, envs, token');
    expect(error.problems.join('\n')).toContain('--set port=8080');
    expect(error.problems.join('\n')).toContain('default with --yes: 8080');
  });

  it('with --yes, a question without a default is still an error', async () => {
    const [first, ...rest] = questions;
    const error = await failure(
      resolveAnswers({ questions: [{ ...first!, default: undefined }, ...rest], given: new Map(), useDefaults: true, prompter: undefined, evaluate, templateId: 't' }),
    );
    expect(error.message).toContain('name');
    expect(error.problems[0]).toContain('no default');
  });

  it.each([
    [['port=80'], 'must be at least 1024'],
    [['port=abc'], 'expects a number'],
    [['port=80.5'], 'whole number'],
    [['name=Bad Name'], 'must be kebab-case'],
    [['db=mysql'], 'must be one of: none, postgres'],
    [['envs=dev,qa'], 'not qa'],
    [['metrics=maybe'], 'expects true or false'],
  ])('rejects --set %j: %s', async (pairs, rule) => {
    const error = await failure(resolve(parseSetFlags(pairs), { yes: true }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(rule);
    expect(error.message).toContain('--set');
  });

  it('suggests the closest question for an unknown --set', async () => {
    const error = await failure(resolve(parseSetFlags(['prot=8080']), { yes: true }));
    expect(error.message).toContain('Did you mean "port"');
  });

  it('never echoes a secret value in a message', async () => {
    const secretQuestion: Question = { name: 'token', type: 'string', secret: true, pattern: '^tok_', patternHint: 'a token starting with tok_' };
    const error = await failure(
      resolveAnswers({ questions: [secretQuestion], given: parseSetFlags(['token=hunter2']), useDefaults: true, prompter: undefined, evaluate, templateId: 't' }),
    );
    expect(`${error.message} ${error.hint}`).not.toContain('hunter2');
    const resolved = await resolveAnswers({ questions: [secretQuestion], given: parseSetFlags(['token=tok_1']), useDefaults: true, prompter: undefined, evaluate, templateId: 't' });
    expect([...resolved.secrets]).toEqual(['token']);
  });

  it('skips a question whose `when` is false, giving it its default', async () => {
    const asked: string[] = [];
    const prompter: Prompter = {
      async ask(question, defaultValue) {
        asked.push(question.name);
        return defaultValue ?? 'x';
      },
    };
    const { values } = await resolve(parseSetFlags(['db=none']), { prompter });
    expect(asked).not.toContain('migrations');
    expect(asked).not.toContain('db');
    expect(values.migrations).toBe(true);
  });

  it('asks only what was not given, offering the computed default', async () => {
    const offered: Record<string, unknown> = {};
    const prompter: Prompter = {
      async ask(question, defaultValue, validate) {
        offered[question.name] = defaultValue;
        if (question.name === 'port') {
          expect(validate(80)).toContain('at least 1024');
          return 3000;
        }
        return defaultValue;
      },
    };
    const { values } = await resolve(parseSetFlags(['name=billing', 'db=postgres']), { prompter });
    expect(Object.keys(offered)).toEqual(['owner', 'port', 'metrics', 'migrations', 'envs', 'token']);
    expect(offered.owner).toBe('billing-team');
    expect(values.port).toBe(3000);
  });
});

describe('answers files', () => {
  it('reads YAML and JSON, typed', () => {
    const yaml = parseAnswersFile('name: billing\nport: 9090\nenvs: [dev, prod]\n', 'a.yaml');
    expect(yaml.get('port')?.value).toBe(9090);
    const json = parseAnswersFile('{"name": "billing", "metrics": false}', 'a.json');
    expect(json.get('metrics')?.value).toBe(false);
  });

  it('gives the file and line of a syntax error', () => {
    try {
      parseAnswersFile('name: billing\nport: [8080\nowner: x\n', 'answers.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'yaml-parse', exitCode: 2, where: { file: 'answers.yaml' } });
      expect((error as PlatformError).where?.line).toBeGreaterThanOrEqual(2);
    }
  });

  it('gives the file and line of an unknown key and of an invalid value', async () => {
    const unknown = await failure(resolve(parseAnswersFile('name: billing\n\ncolour: blue\n', 'answers.yaml'), { yes: true }));
    expect(unknown.message).toContain('answers.yaml:3');
    expect(unknown.where).toMatchObject({ file: 'answers.yaml', line: 3 });
    const invalid = await failure(resolve(parseAnswersFile('name: billing\nport: 22\n', 'answers.yaml'), { yes: true }));
    expect(invalid.message).toContain('answers.yaml:2');
  });

  it('refuses a file that is not a map', () => {
    expect(() => parseAnswersFile('- a\n- b\n', 'a.yaml')).toThrow(/must be a map/);
  });
});
