/**
 * The short interactive path: only essential questions (and those without a usable default) are
 * asked first; "customise" offers the rest component by component, each group skippable; what is
 * not asked keeps its default, computed from the answers given so far.
 */
import { describe, expect, it } from 'vitest';
import { composeQuestions, resolveComposition } from '../../src/cli/compose.js';
import { nameFromFolder } from '../../src/answers/folder-name.js';
import { hasEssentials, shortPathPrompter } from '../../src/answers/short-path.js';
import type { Prompter, QuestionGroup } from '../../src/answers/resolve.js';
import { reviewLines } from '../../src/cli/review.js';
import { printable } from '../../src/cli/prompter.js';
import { makeTemplate } from '../helpers/template.js';

const SERVICE = `name: service
version: 1.3.0
questions:
  - { name: name, type: string, essential: true, default: "{{@target}}", pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", maxLength: 44 }
  - { name: owner, type: string, essential: true, default: "{{name}}-team" }
  - { name: port, type: number, default: 8080, min: 1024, max: 65535 }
  - { name: token, type: string, secret: true, default: "" }
`;
const CI = `name: ci
version: 1.3.0
questions:
  - { name: name, type: string, default: "{{@target}}", maxLength: 63 }
  - { name: ciProvider, type: select, essential: true, choices: [github, gitlab], default: github }
  - { name: registry, type: string, default: "ghcr.io/{{owner}}" }
  - { name: schedule, type: string, default: "41 5 * * 1" }
  - { name: orgId, type: string, when: "{{eq ciProvider 'gitlab'}}" }
`;

/** Answers from a list, in order, recording what was asked (name and the default offered). */
function scripted(answers: Record<string, unknown>): Prompter & { asked: Array<[string, unknown]> } {
  const asked: Array<[string, unknown]> = [];
  return {
    asked,
    async ask(question, defaultValue) {
      asked.push([question.name, defaultValue]);
      return question.name in answers ? answers[question.name] : defaultValue;
    },
  };
}

async function selection() {
  const service = await makeTemplate(SERVICE, { 'a.txt': 'a\n' });
  const ci = await makeTemplate(CI, { 'b.txt': 'b\n' });
  return { label: 'golden-path', preset: undefined, templates: [service, ci] };
}

async function walk(prompter: Prompter, targetName = 'orders') {
  return resolveComposition({ selection: await selection(), given: new Map(), defaults: new Map(), useDefaults: false, prompter, targetName });
}

describe('the short path of platform add: what the repository already answered is settled', () => {
  const walkWith = async (prompter: Prompter, defaults: Record<string, unknown>) =>
    resolveComposition({ selection: await selection(), given: new Map(), defaults: new Map(Object.entries(defaults)), useDefaults: false, prompter, targetName: 'orders' });

  it('settled questions are not asked, essential or not, and their group offers only the rest', async () => {
    const inner = scripted({});
    const offered: string[][] = [];
    const repository = { name: 'payments-api', owner: 'team-payments', registry: 'ghcr.io/acme' };
    const prompter = shortPathPrompter(inner, async (group) => (offered.push(group.questions.map((q) => q.name)), true), new Map(Object.entries(repository)));
    const { answers } = await walkWith(prompter, repository);
    expect(inner.asked.map(([name]) => name)).toEqual(['ciProvider']);
    expect(answers.values).toMatchObject({ name: 'payments-api', owner: 'team-payments', registry: 'ghcr.io/acme' });
    prompter.customise();
    inner.asked.length = 0;
    await walkWith(prompter, repository);
    // Customise: the rest of each group (ciProvider was answered already), never the settled ones.
    expect(inner.asked.map(([name]) => name)).toEqual(['port', 'token', 'schedule']);
    expect(offered.flat()).not.toContain('name');
    expect(offered.flat()).not.toContain('registry');
  });

  it('a settled answer this component\'s rules reject is asked, essential or not (deploy\'s shorter name limit)', async () => {
    const inner = scripted({ name: 'short', port: 8081 });
    const long = `a${'-b'.repeat(30)}`;
    const repository = { name: long, port: 80 };
    const { answers } = await walkWith(shortPathPrompter(inner, async () => false, new Map(Object.entries(repository))), repository);
    // The template's own default is offered instead (the repository's does not fit), and asked.
    expect(inner.asked.map(([name]) => name)).toEqual(['name', 'owner', 'port', 'ciProvider']);
    expect(inner.asked[0]).toEqual(['name', 'orders']);
    expect(inner.asked[2]).toEqual(['port', 8080]);
    expect(answers.values).toMatchObject({ name: 'short', port: 8081 });
  });
});

describe('the short path', () => {
  it('asks only the essential questions; the others take defaults derived from those answers', async () => {
    const inner = scripted({ owner: 'payments' });
    const { answers } = await walk(shortPathPrompter(inner, async () => true));
    expect(inner.asked.map(([name]) => name)).toEqual(['name', 'owner', 'ciProvider']);
    expect(answers.values).toMatchObject({ name: 'orders', owner: 'payments', port: 8080, registry: 'ghcr.io/payments', ciProvider: 'github' });
  });

  it('a question with no default (required) is asked on the short path, essential or not', async () => {
    const inner = scripted({ ciProvider: 'gitlab', orgId: 'acme' });
    const { answers } = await walk(shortPathPrompter(inner, async () => false));
    expect(inner.asked.map(([name]) => name)).toEqual(['name', 'owner', 'ciProvider', 'orgId']);
    expect(answers.values.orgId).toBe('acme');
  });

  it('a default its own rules reject is asked, not taken (a folder with nothing usable in its name)', async () => {
    const inner = scripted({ name: 'billing' });
    const { answers } = await walk(shortPathPrompter(inner, async () => false), '2024 ###');
    expect(inner.asked[0]).toEqual(['name', '']);
    expect(answers.values.name).toBe('billing');
  });

  it('customise offers each component\'s other questions as a group: a skipped group keeps its defaults, a chosen one is asked with the current values', async () => {
    const inner = scripted({ owner: 'payments', port: 9090 });
    const offered: QuestionGroup[] = [];
    const prompter = shortPathPrompter(inner, async (group) => {
      offered.push(group);
      return group.label === 'service';
    });
    await walk(prompter);
    prompter.customise();
    inner.asked.length = 0;
    const { answers } = await walk(prompter);
    expect(offered.map((g) => g.label)).toEqual(['service', 'ci']);
    // essentials are not asked again; the secret is offered like any other setting of its group
    expect(inner.asked).toEqual([['port', 8080], ['token', '']]);
    expect(answers.values).toMatchObject({ owner: 'payments', port: 9090, registry: 'ghcr.io/payments' });

    // a second customise offers the groups again, with what was answered as the default
    prompter.customise();
    inner.asked.length = 0;
    await walk(prompter);
    expect(inner.asked[0]).toEqual(['port', 9090]);
  });

  it('templates that mark nothing essential have no short path (asked in full as before)', async () => {
    const plain = await makeTemplate('name: plain\nversion: 1.0.0\nquestions:\n  - { name: a, type: string, default: x }\n', {});
    expect(hasEssentials(composeQuestions([plain]).questions)).toBe(false);
    expect(hasEssentials(composeQuestions((await selection()).templates).questions)).toBe(true);
  });

  it('a shared question is essential when any component marks it', async () => {
    const { templates } = await selection();
    const { questions, groups } = composeQuestions([templates[1]!, templates[0]!]);
    expect(questions.find((q) => q.name === 'name')).toMatchObject({ essential: true, maxLength: 44 });
    expect(groups.map((g) => [g.label, g.questions.map((q) => q.name)])).toEqual([
      ['ci', ['name', 'ciProvider', 'registry', 'schedule', 'orgId']],
      ['service', ['owner', 'port', 'token']],
    ]);
  });
});

describe('the review screen', () => {
  it('lists components with versions, the answers that shape the files as key=value, and how many keep their defaults; never a secret', async () => {
    const { answers, included, given } = await walk(shortPathPrompter(scripted({ token: 's3cr3t-value' }), async () => false));
    const lines = reviewLines({ heading: 'The new service in ./orders:', included, left: ['deploy'], groups: composeQuestions(included).groups, answers: { ...answers, values: { ...answers.values, token: 's3cr3t-value' } }, given });
    const text = lines.join('\n');
    expect(text).toContain('./orders');
    expect(text).toMatch(/service\s+1\.3\.0\s+name=orders\s+owner=orders-team\s+port=8080/);
    expect(text).toMatch(/ci\s+1\.3\.0\s+ciProvider=github/);
    expect(text).toContain('left out: deploy');
    expect(text).toContain('3 more settings keep their defaults');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('orgId');
  });
});

describe('the review screen and placeholders', () => {
  it('lists the environment-specific answers nobody gave yet apart (never as a kept default), with how to set them', async () => {
    const ci = await makeTemplate(
      'name: ci\nversion: 1.0.0\nquestions:\n  - { name: name, type: string, essential: true, default: svc }\n  - { name: registry, type: string, placeholder: true }\n  - { name: region, type: string, default: eu-west-1 }\n',
      { 'a.txt': '{{registry}}\n' },
    );
    const answers = { values: { name: 'orders', registry: '<set-me:registry>', region: 'eu-west-1' }, secrets: new Set<string>() };
    const text = reviewLines({ heading: 'The new service in ./orders:', included: [ci], left: [], groups: composeQuestions([ci]).groups, answers, given: new Set() }).join('\n');
    expect(text).toContain('Not known yet: registry.');
    expect(text).toContain('--set NAME=VALUE');
    expect(text).toContain('1 more setting keeps its default');
    expect(text).not.toContain('registry=');
  });
});

describe('hostile text on the terminal', () => {
  it('an answer with escape sequences is shown escaped on the review screen, and cut to one short line', async () => {
    const inner = scripted({ owner: '\u001b[2J\u001b]0;pwned\u0007' + 'x'.repeat(500) });
    const { answers, included, given } = await walk(shortPathPrompter(inner, async () => false));
    const text = reviewLines({ heading: 'The new service in ./orders:', included, left: [], groups: composeQuestions(included).groups, answers, given }).join('\n');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('owner=\\u001b[2J');
    expect(text.split('\n').every((line) => line.length < 300)).toBe(true);
  });

  it('a template\'s messages, help and labels cannot send control characters to the terminal', () => {
    expect(printable('Name\u001b[31m red\u0007\nnext')).toBe('Name?[31m red? next');
  });
});

describe('a folder name as a service name', () => {
  it.each([
    ['My Service', 'my-service'],
    ['Café_API 2', 'cafe-api-2'],
    ['payments-api', 'payments-api'],
    ['PaymentsAPI', 'payments-api'],
    ['ordersService2', 'orders-service2'],
    ['  --Orders__API--  ', 'orders-api'],
    ['2024 ###', ''],
    ['日本語', ''],
  ])('%j gives %j', (folder, name) => {
    expect(nameFromFolder(folder)).toBe(name);
  });

  it('a huge name is cut to 44 characters, never ending in a dash, in linear time', () => {
    const name = nameFromFolder(`${'Ab '.repeat(100_000)}`);
    expect(name.length).toBeLessThanOrEqual(44);
    expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });
});
