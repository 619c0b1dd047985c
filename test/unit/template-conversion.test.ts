/**
 * The built-in versions opened in this cycle moved their shared questions to templates/questions.yaml
 * (`- use: NAME`) and their conditional file names to `when:` on file rules. For the same answers,
 * each renders exactly what its previous version (the old form, untouched) renders: the same
 * files at the same paths with the same policies and modes, and the same bytes wherever the
 * file's source is unchanged between the versions. Computed here from the previous version,
 * over every combination of the choices that decide which files exist.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveAnswers, type GivenAnswer } from '../../src/answers/resolve.js';
import { expressionEvaluator } from '../../src/answers/expressions.js';
import { PlatformError } from '../../src/core/errors.js';
import { nodeFs } from '../../src/core/node-fs.js';
import { renderTemplate, type RenderedTree } from '../../src/render/render.js';
import { BUILTIN_ROOT } from '../../src/template/builtin.js';
import { loadPins, loadTemplate } from '../../src/template/load.js';
import { choiceValue, type Question } from '../../src/template/schema.js';
import { templateId, type Template } from '../../src/template/template.js';

const CONVERTED = [
  ['service', '1.3.0', '1.2.0'],
  ['ci', '1.3.0', '1.2.0'],
  ['deploy', '1.2.0', '1.1.0'],
  ['observability', '1.2.0', '1.1.0'],
  ['secrets', '1.2.0', '1.1.0'],
] as const;

const TARGET = 'payments-api';
const pins = await loadPins(nodeFs, BUILTIN_ROOT);
const load = (name: string, version: string): Promise<Template> => loadTemplate(nodeFs, posix.join(BUILTIN_ROOT, name, version), { kind: 'builtin' }, pins);

/** A file name of the old form with its `{{when COND 'x'}}` segments written as x. */
function literalName(path: string): string {
  return path.replace(/\{\{when \((?:[^()]|\([^()]*\))*\) '([^']+)'\}\}/g, '$1');
}

/** Every combination of the select and boolean answers (one at a time when there are too many). */
function answerSets(questions: Question[]): Array<Record<string, unknown>> {
  const axes = questions.flatMap((q): Array<[string, unknown[]]> => {
    if (q.type === 'boolean') return [[q.name, [true, false]]];
    if (q.type === 'select') return [[q.name, q.choices.map(choiceValue)]];
    return [];
  });
  const size = axes.reduce((n, [, values]) => n * values.length, 1);
  if (size > 512) return [{}, ...axes.flatMap(([name, values]) => values.map((value) => ({ [name]: value })))];
  return axes.reduce<Array<Record<string, unknown>>>((sets, [name, values]) => sets.flatMap((set) => values.map((value) => ({ ...set, [name]: value }))), [{}]);
}

async function answersFor(template: Template, given: Record<string, unknown>): Promise<Record<string, unknown>> {
  const known = new Set(template.manifest.questions.map((q) => q.name));
  const map = new Map<string, GivenAnswer>(Object.entries(given).filter(([name]) => known.has(name)).map(([name, value]) => [name, { value, where: { flag: `--set ${name}` } }]));
  const resolved = await resolveAnswers({
    questions: template.manifest.questions,
    given: map,
    useDefaults: true,
    prompter: undefined,
    evaluate: expressionEvaluator(template, TARGET),
    templateId: templateId(template),
  });
  return resolved.values;
}

const render = (template: Template, answers: Record<string, unknown>): RenderedTree => renderTemplate(template, { answers, targetName: TARGET });

describe.each(CONVERTED)('%s %s (new form) renders as %s (old form) did', (name, version, previousVersion) => {
  it('takes from questions.yaml exactly the questions it declared before (defaults aside)', async () => {
    const [next, previous] = await Promise.all([load(name, version), load(name, previousVersion)]);
    const raw = parseYaml(readFileSync(posix.join(BUILTIN_ROOT, name, version, 'template.yaml'), 'utf8')) as { questions: Array<{ use?: string }> };
    const used = raw.questions.flatMap((q) => (q.use ? [q.use] : []));
    expect(used.length).toBeGreaterThan(0);
    // Defaults (and the new essential flag) may change in the new version; nothing else may.
    const strip = ({ default: _default, essential: _essential, ...rest }: Question & { essential?: unknown }) => rest;
    for (const key of used) {
      const before = previous.manifest.questions.find((q) => q.name === key);
      const now = next.manifest.questions.find((q) => q.name === key);
      expect(before, `${name}@${previousVersion} asked ${key}`).toBeDefined();
      expect(strip(now!), `${name}@${version}: ${key}`).toEqual(strip(before!));
    }
  });

  it('writes the same files, with the same bytes where their source did not change, for every combination of choices', async () => {
    const [next, released] = await Promise.all([load(name, version), load(name, previousVersion)]);
    // Rendered as if it were the new version, so {{@template.version}} is not a difference.
    const previous: Template = { ...released, manifest: { ...released.manifest, version } };
    const nextSources = new Map(next.files.map((file) => [file.path, file]));
    // A changed partial changes the files that use it: bytes are compared only when none did.
    const samePartials = JSON.stringify(next.partials) === JSON.stringify(released.partials);
    let compared = 0;
    for (const given of answerSets(previous.manifest.questions)) {
      let before: RenderedTree;
      let previousAnswers: Record<string, unknown>;
      try {
        previousAnswers = await answersFor(previous, given);
        before = render(previous, previousAnswers);
      } catch (error) {
        if (error instanceof PlatformError) continue; // a combination the previous version refuses
        throw error;
      }
      const after = render(next, await answersFor(next, previousAnswers));
      const label = JSON.stringify(given);
      for (const file of previous.files) {
        const counterpart = nextSources.get(literalName(file.path));
        if (!counterpart) continue; // removed in the new version: not this change's doing
        const old = [...before].find(([, rendered]) => rendered.source === file.path);
        const now = [...after].find(([, rendered]) => rendered.source === counterpart.path);
        expect(now?.[0], `${label}: files/${file.path}`).toBe(old?.[0]);
        if (!old || !now) continue;
        expect(now[1].policy, `${label}: ${old[0]}`).toBe(old[1].policy);
        expect(now[1].executable, `${label}: ${old[0]}`).toBe(old[1].executable);
        if (samePartials && Buffer.from(file.bytes).equals(Buffer.from(counterpart.bytes))) {
          expect(Buffer.from(now[1].bytes).equals(Buffer.from(old[1].bytes)), `${label}: ${old[0]} differs`).toBe(true);
          compared++;
        }
      }
    }
    if (samePartials) expect(compared).toBeGreaterThan(0);
  });

  it('has no Handlebars left in its file names', async () => {
    const next = await load(name, version);
    expect(next.files.map((file) => file.path).filter((path) => path.includes('{{'))).toEqual([]);
  });
});
