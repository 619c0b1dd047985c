import { posix } from 'node:path';
import { createRenderer } from '../render/handlebars.js';
import { templateId, type Template } from '../template/template.js';

/** Evaluates `default` and `when` expressions with the template's own hardened renderer. */
export function expressionEvaluator(template: Template, targetName: string): (expression: string, answers: Record<string, unknown>) => string {
  const renderer = createRenderer({
    partials: template.partials,
    templateId: templateId(template),
    ...(template.compiled ? { cache: template.compiled } : {}),
    data: { target: targetName, template: { name: template.manifest.name, version: template.manifest.version }, pins: template.pins },
  });
  const file = posix.join(template.root, 'template.yaml');
  return (expression, answers) => renderer.render(expression, JSON.parse(JSON.stringify(answers)) as object, file);
}
