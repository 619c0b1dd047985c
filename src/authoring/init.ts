/** `platform template init`: a new template folder that passes `lint` and `test` as it is. */
import { posix } from 'node:path';
import { type Fs, statOrUndefined } from '../core/fs.js';
import { UsageError } from '../core/errors.js';
import { TEMPLATE_NAME } from '../template/schema.js';
import { isVersion } from '../template/semver.js';
import { schemaModeline, schemaUrl } from './json-schema.js';
import { counted } from '../ui/count.js';

export interface InitResult {
  dir: string;
  name: string;
  version: string;
  /** Written, relative to dir. */
  files: string[];
}

/**
 * Writes a template into dir (created if missing; it must be empty). The name is the folder's;
 * a folder named like a version (NAME/1.0.0) gives the version, and its parent the name.
 */
export async function initTemplate(fs: Fs, dir: string, cliVersion: string): Promise<InitResult> {
  const stat = await statOrUndefined(fs, dir);
  if (stat && !stat.isDirectory()) {
    throw new UsageError('template-init-not-a-folder', `${dir} exists and is not a folder.`, { hint: 'Give the path of a new or empty folder.' });
  }
  if (stat) {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    if (entries.length > 0) {
      throw new UsageError('template-init-not-empty', `${dir} is not empty (${counted(entries.length, 'entry', 'entries')}); nothing was written.`, {
        hint: 'Give a new or empty folder, for example `platform template init my-template`.',
      });
    }
  }
  const folder = posix.basename(dir);
  const version = isVersion(folder) ? folder : '0.1.0';
  const name = templateName(isVersion(folder) ? posix.basename(posix.dirname(dir)) : folder);

  const files = scaffold(name, version, cliVersion);
  await fs.mkdir(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await fs.mkdir(posix.dirname(posix.join(dir, path)), { recursive: true });
    await fs.writeFile(posix.join(dir, path), text);
  }
  return { dir, name, version, files: Object.keys(files) };
}

/** The folder name as a template name (kebab-case), or an error when it cannot be one. */
function templateName(folder: string): string {
  const name = folder
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!TEMPLATE_NAME.test(name)) {
    throw new UsageError('template-name', `"${folder}" cannot be a template name: a name is kebab-case and starts with a letter.`, {
      hint: 'Name the folder like the template, for example `platform template init payments-worker`.',
    });
  }
  return name;
}

function scaffold(name: string, version: string, cliVersion: string): Record<string, string> {
  const manifest = `${schemaModeline(schemaUrl('template', cliVersion))}
name: ${name}
version: ${version}
description: What the ${name} template writes, in one paragraph.
questions:
  - name: name
    type: string
    message: Service name
    help: kebab-case; used in the workflow's name
    default: "{{@target}}"
    pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
    patternHint: lower-case letters and digits in dash-separated words (kebab-case), e.g. payments-api
  - name: greeting
    type: string
    message: What the example workflow says
    default: Hello
# Per-file policies, first match wins; files matching no rule are merged on upgrade.
#   once:  written on creation, never touched again (business code, READMEs)
#   owned: the platform's; a local edit is drift that \`platform status\` reports
files:
  - glob: ".github/workflows/hello.yml"
    policy: merge
`;

  const workflow = `{{!--
  An example: replace it with what the template really writes. Every path under files/ and
  every file ending in .hbs is Handlebars; {{name}} is the answer to the question "name" of
  template.yaml. GitHub Actions expressions use the same braces: write $\\{{ github.sha }} to
  leave one for GitHub, or wrap a longer stretch in {{{{raw}}}} … {{{{/raw}}}}.
  This comment is not rendered.
--}}
name: {{name}} hello

on:
  workflow_dispatch:

jobs:
  hello:
    runs-on: ubuntu-latest
    steps:
      - name: Greet
        run: echo "{{greeting}} from {{name}}, commit $\\{{ github.sha }} on $\\{{ github.ref_name }}"
`;

  const fixture = `# Answers rendered by \`platform template test\`, besides the defaults; what they render is
# compared with tests/__snapshots__/example/. Add a file here for every combination worth keeping.
name: payments-api
greeting: Hi
`;

  const readme = `# ${name} (template)

A template for the platform CLI (\`create-service\`, \`platform\`). This file is for the template's
authors: it is not rendered. Use it with \`platform new DIR --template <this folder>\` or
\`platform add <this folder>\`.

## Layout

    template.yaml      name, version, questions, file policies (schema: see its first line)
    files/             what the template writes: paths and .hbs files are Handlebars
    partials/          optional: Handlebars partials, {{> name}} for partials/name.hbs
    tests/*.yaml       answer sets (fixtures) that \`platform template test\` renders
    tests/__snapshots__/  what each answer set rendered last time: commit it
    CHANGELOG.md       optional: what changed in this version, shown on upgrade

## Writing files

- \`{{name}}\` is the answer to the question \`name\`; every variable must be a question.
- A file ending in \`.hbs\` is rendered and loses the suffix; other files are copied as they are.
- Other tools' braces: write \`$\\{{ github.sha }}\` for GitHub Actions' \`\${{ github.sha }}\`, and
  \`\\{{ .Values.x }}\` for Helm; or put a longer stretch in \`{{{{raw}}}} … {{{{/raw}}}}\`.
- A secret answer (\`secret: true\`) may only be rendered into files declared with
  \`policy: secret\` (files: [{glob: .env, policy: secret}]): the CLI writes them on create but
  never commits, hashes, shows or rewrites them. Anywhere else it is an error.

## Checking

    platform template lint .            schema, undeclared or unused answers, unescaped {{ }}, unsafe paths
    platform template test .            renders the defaults and every fixture, compares with the snapshots
    platform template test . --update   accepts the new output as the snapshots (review the diff first)

Both exit 0 when all is well (2: the template is invalid; 6: a check failed), so they can run in
CI. Snapshot files named \`.gitignore\`, \`.gitattributes\` or \`.gitmodules\` are stored with a
\`.snapshot\` suffix, so git does not act on them.

## Releasing

A released version is never edited again. For a change, copy this folder to the next version
(\`NAME/${version}\` → \`NAME/<next>\`), set \`version:\` to match, and edit the copy. With the
versions side by side (\`NAME/VERSION/\`), \`platform template test\` also checks that upgrading an
untouched repository from the previous version gives exactly a fresh render of the new one.
`;

  return {
    'template.yaml': manifest,
    'files/.github/workflows/hello.yml.hbs': workflow,
    'tests/example.yaml': fixture,
    'README.md': readme,
  };
}
