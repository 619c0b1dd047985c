/**
 * A question several components share is asked once, with the strictest bounds any of them sets:
 * deploy's shorter name limit (its derived Kubernetes names) holds for the whole golden path.
 */
import { describe, expect, it } from 'vitest';
import { resolveComposition } from '../../src/cli/compose.js';
import { PlatformError } from '../../src/core/errors.js';
import { makeTemplate } from '../helpers/template.js';

const NAME = (maxLength: number) => `  - { name: name, type: string, pattern: "^[a-z][a-z0-9-]*$", maxLength: ${maxLength} }\n  - { name: port, type: number, min: 1, max: ${maxLength * 1000} }\n`;

async function compose(name: string, port = 40000) {
  const service = await makeTemplate(`name: service\nversion: 1.0.0\nquestions:\n${NAME(63)}`, { 'a.txt': 'a\n' });
  const deploy = await makeTemplate(`name: deploy\nversion: 1.0.0\nquestions:\n${NAME(44)}`, { 'b.txt': 'b\n' });
  return resolveComposition({
    selection: { label: 'golden-path', preset: undefined, templates: [service, deploy] },
    given: new Map([['name', { value: name, where: { flag: '--set name' } }], ['port', { value: port, where: { flag: '--set port' } }]]),
    defaults: new Map(),
    useDefaults: true,
    prompter: undefined,
    targetName: 'x',
  });
}

describe('shared questions take the strictest bounds', () => {
  it('refuses a name within the first component\'s limit but over a later one\'s (exit 2), naming the limit', async () => {
    const error = await compose('a'.repeat(50)).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).exitCode).toBe(2);
    expect(`${(error as PlatformError).message} ${(error as PlatformError).problems.join(' ')}`).toContain('at most 44 characters');
  });

  it('accepts what every component accepts', async () => {
    const { answers } = await compose('a'.repeat(44));
    expect(answers.values.name).toBe('a'.repeat(44));
    // Number ranges too: the tighter max wins.
    const error = await compose('a', 50000).then(() => undefined, (e: unknown) => e);
    expect((error as PlatformError).message).toContain('must be at most 44000');
  });
});
