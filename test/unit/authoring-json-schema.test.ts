/**
 * templates/schemas/*.schema.json are generated from the zod schemas; they must be up to date.
 * UPDATE_JSON_SCHEMAS=1 npx vitest run test/unit/authoring-json-schema.test.ts rewrites them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { jsonSchemaFiles, lockfileJsonSchema, templateJsonSchema, writeJsonSchemas } from '../../src/authoring/json-schema.js';
import { nodeFs } from '../../src/core/node-fs.js';
import { BUILTIN_ROOT } from '../../src/template/builtin.js';

const SCHEMAS_DIR = join(BUILTIN_ROOT, 'schemas');

describe('JSON Schemas', () => {
  it('in templates/schemas/ are the ones the zod schemas generate', async () => {
    if (process.env.UPDATE_JSON_SCHEMAS === '1') await writeJsonSchemas(nodeFs, SCHEMAS_DIR);
    for (const [name, text] of Object.entries(jsonSchemaFiles())) {
      expect(readFileSync(join(SCHEMAS_DIR, name), 'utf8'), `${name} is out of date: run UPDATE_JSON_SCHEMAS=1 npx vitest run test/unit/authoring-json-schema.test.ts`).toBe(text);
    }
    expect(readdirSync(SCHEMAS_DIR).sort()).toEqual(Object.keys(jsonSchemaFiles()).sort());
  });

  it('are draft-07, describe the input (defaults optional) and forbid unknown keys', () => {
    const template = templateJsonSchema() as { $schema: string; required: string[]; additionalProperties: boolean; properties: Record<string, { description?: string }> };
    expect(template.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(template.required.sort()).toEqual(['name', 'version']);
    expect(template.additionalProperties).toBe(false);
    expect(template.properties.questions?.description).toBeTruthy();
    const lockfile = lockfileJsonSchema() as { required: string[] };
    expect(lockfile.required.sort()).toEqual(['schemaVersion', 'templates']);
  });

  it('accept every built-in template.yaml by their top-level keys and question types', () => {
    const template = templateJsonSchema() as { properties: Record<string, unknown>; };
    const questionTypes = new Set(
      (((template.properties.questions as { items: { oneOf: Array<{ properties: { type?: { const: string } } }> } }).items.oneOf).map((v) => v.properties.type?.const)),
    );
    for (const name of readdirSync(BUILTIN_ROOT)) {
      if (name === 'schemas' || name === 'presets') continue;
      let versions: string[] = [];
      try {
        versions = readdirSync(join(BUILTIN_ROOT, name));
      } catch {
        continue;
      }
      for (const version of versions) {
        let manifest: { questions?: Array<{ type?: string; use?: string }> } & Record<string, unknown>;
        try {
          manifest = parseYaml(readFileSync(join(BUILTIN_ROOT, name, version, 'template.yaml'), 'utf8')) as typeof manifest;
        } catch {
          continue;
        }
        for (const key of Object.keys(manifest)) expect(Object.keys(template.properties), `${name}/${version}: ${key}`).toContain(key);
        // A shared question (`- use: NAME`) takes its type from questions.yaml.
        for (const question of manifest.questions ?? []) expect(question.use !== undefined || questionTypes.has(question.type)).toBe(true);
      }
    }
  });
});
