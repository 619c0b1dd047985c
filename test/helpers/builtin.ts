import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nodeFs } from '../../src/core/node-fs.js';
import { BUILTIN_ROOT, listCatalog, parseTemplateRef, resolveInCatalog } from '../../src/template/builtin.js';
import { loadPins, loadTemplate } from '../../src/template/load.js';
import { resolveAnswers, type GivenAnswer } from '../../src/answers/resolve.js';
import { expressionEvaluator } from '../../src/answers/expressions.js';
import { renderTemplate, type RenderedTree } from '../../src/render/render.js';
import type { Template } from '../../src/template/template.js';

/** Loads a built-in template (NAME or NAME@VERSION) with the catalog's pins. */
export async function builtinTemplate(spec: string): Promise<Template> {
  const { dir } = resolveInCatalog(await listCatalog(nodeFs, BUILTIN_ROOT), parseTemplateRef(spec), BUILTIN_ROOT);
  return loadTemplate(nodeFs, dir, { kind: 'builtin' }, await loadPins(nodeFs, BUILTIN_ROOT));
}

/** Renders a built-in template with the given answers and defaults for the rest (as --yes does). */
export async function renderBuiltin(spec: string, answers: Record<string, unknown> = {}, targetName = 'payments-api'): Promise<{ tree: RenderedTree; values: Record<string, unknown> }> {
  const template = await builtinTemplate(spec);
  const given = new Map<string, GivenAnswer>(Object.entries(answers).map(([k, v]) => [k, { value: v, where: { flag: `--set ${k}` } }]));
  const resolved = await resolveAnswers({
    questions: template.manifest.questions,
    given,
    useDefaults: true,
    prompter: undefined,
    evaluate: expressionEvaluator(template, targetName),
    templateId: spec,
  });
  return { tree: renderTemplate(template, { answers: resolved.values, targetName }), values: resolved.values };
}

/** Writes a rendered tree into a new temporary folder (for validators that read files). */
export function writeTree(tree: RenderedTree, dir = mkdtempSync(join(tmpdir(), 'rendered-'))): string {
  for (const [path, file] of tree) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, file.bytes);
    if (file.executable) chmodSync(full, 0o755);
  }
  return dir;
}
