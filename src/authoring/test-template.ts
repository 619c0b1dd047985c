/**
 * `platform template test`: render a template with its defaults and with every fixture, check
 * that what it writes parses, compare each rendered tree with its recorded snapshot, and check
 * that upgrading an untouched repository from the previous version gives a fresh render.
 */
import { posix } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { type Fs, statOrUndefined } from '../core/fs.js';
import { PlatformError } from '../core/errors.js';
import { resolveAnswers, type GivenAnswer, type ResolvedAnswers } from '../answers/resolve.js';
import { expressionEvaluator } from '../answers/expressions.js';
import { planChanges, type PlanOptions } from '../workflow/plan-changes.js';
import { newComponent, renderRecorded } from '../workflow/change.js';
import { applyPlan } from '../apply/apply-plan.js';
import { diff3Merger } from '../merge/text.js';
import { EMPTY_LOCKFILE, parseLockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import { renderTemplate, STAND_IN_CLI, type RenderedTree } from '../render/render.js';
import { loadTemplate } from '../template/load.js';
import { templateId, type Template } from '../template/template.js';
import { SNAPSHOTS_DIR, readTestCases, type TestCase } from './fixtures.js';
import { MemoryFs } from './memory-fs.js';
import { findPins, previousVersionDir, readTree } from './template-dir.js';

/** The target folder's name while testing, so `{{@target}}` renders the same everywhere. */
export const TEST_TARGET = 'example';

export interface FileDifference {
  path: string;
  /** added: rendered but not expected; removed: expected but not rendered. */
  change: 'added' | 'removed' | 'modified' | 'mode';
  expected: Uint8Array | undefined;
  actual: Uint8Array | undefined;
}

export interface InvalidFile {
  path: string;
  message: string;
  line?: number;
}

export interface CaseResult {
  name: string;
  fixture: string | undefined;
  /** Files rendered (0 when the case could not be rendered). */
  files: number;
  snapshot: 'matched' | 'created' | 'updated' | 'differs' | 'not-rendered';
  /** tests/__snapshots__/NAME, relative to the template folder. */
  snapshotDir: string;
  differences: FileDifference[];
  invalid: InvalidFile[];
  /** Why the case could not be rendered (bad answers, a template error). */
  error: PlatformError | undefined;
}

export interface UpgradeCheck {
  case: string;
  status: 'equal' | 'differs' | 'skipped' | 'failed';
  reason?: string;
  conflicts: string[];
  /** expected: the fresh render; actual: the upgraded repository. */
  differences: FileDifference[];
}

export interface TemplateTestResult {
  dir: string;
  id: string;
  cases: CaseResult[];
  /** The version upgraded from, when there is an earlier one beside this folder. */
  previous: string | undefined;
  upgrades: UpgradeCheck[];
  /** Snapshot folders with no case (removed by --update). */
  staleSnapshots: string[];
  /** 0 passed, 2 a case could not be rendered, 6 a check failed. */
  exitCode: 0 | 2 | 6;
}

export interface TestOptions {
  /** Rewrite snapshots that differ (and remove stale ones). */
  update: boolean;
}

/** Tests the template folder dir (the template must load: errors are thrown as they are). */
export async function testTemplate(fs: Fs, dir: string, options: TestOptions): Promise<TemplateTestResult> {
  const template = await loadTemplate(fs, dir, { kind: 'dir', path: dir }, (await findPins(fs, dir)).pins);
  const cases = await readTestCases(fs, dir);
  const results: CaseResult[] = [];
  const rendered = new Map<string, { tree: RenderedTree; answers: ResolvedAnswers }>();

  for (const testCase of cases) {
    const snapshotDir = posix.join(SNAPSHOTS_DIR, testCase.name);
    const result: CaseResult = { name: testCase.name, fixture: testCase.fixture, files: 0, snapshot: 'not-rendered', snapshotDir, differences: [], invalid: [], error: undefined };
    results.push(result);
    let tree: RenderedTree;
    try {
      const answers = await resolve(template, testCase.given);
      tree = renderTemplate(template, { answers: answers.values, targetName: TEST_TARGET });
      rendered.set(testCase.name, { tree, answers });
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      result.error = error;
      continue;
    }
    result.files = tree.size;
    result.invalid = validateTree(tree);
    result.snapshot = await compareSnapshot(fs, posix.join(dir, snapshotDir), tree, options.update, result.differences);
  }

  const staleSnapshots: string[] = [];
  for (const entry of await fs.readdir(posix.join(dir, SNAPSHOTS_DIR), { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() || cases.some((c) => c.name === entry.name)) continue;
    staleSnapshots.push(posix.join(SNAPSHOTS_DIR, entry.name));
    if (options.update) await fs.rm(posix.join(dir, SNAPSHOTS_DIR, entry.name), { recursive: true, force: true });
  }

  const upgrades: UpgradeCheck[] = [];
  const previousDir = await previousVersionDir(fs, dir, template.manifest.version);
  let previous: Template | undefined;
  if (previousDir) {
    try {
      previous = await loadTemplate(fs, previousDir, { kind: 'dir', path: previousDir }, (await findPins(fs, previousDir)).pins);
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      upgrades.push({ case: '*', status: 'failed', reason: `${posix.basename(previousDir)} does not load: ${error.message}`, conflicts: [], differences: [] });
    }
  }
  if (previous) {
    for (const testCase of cases) {
      if (!rendered.has(testCase.name)) continue;
      upgrades.push(await checkUpgrade(previous, template, testCase));
    }
  }

  const failedCase = results.some((r) => r.error);
  const failedCheck =
    results.some((r) => r.snapshot === 'differs' || r.invalid.length > 0) || upgrades.some((u) => u.status === 'differs' || u.status === 'failed');
  return {
    dir,
    id: templateId(template),
    cases: results,
    previous: previous?.manifest.version ?? (previousDir ? posix.basename(previousDir) : undefined),
    upgrades,
    staleSnapshots,
    exitCode: failedCase ? 2 : failedCheck ? 6 : 0,
  };
}

async function resolve(template: Template, given: Map<string, GivenAnswer>): Promise<ResolvedAnswers> {
  return resolveAnswers({
    questions: template.manifest.questions,
    given,
    useDefaults: true,
    prompter: undefined,
    evaluate: expressionEvaluator(template, TEST_TARGET),
    templateId: templateId(template),
  });
}

// ----------------------------------------------------------------------------- rendered files parse

const decoder = new TextDecoder();

/** Every rendered YAML and JSON file must parse (a file still holding another tool's {{ }} is that tool's). */
export function validateTree(tree: RenderedTree): InvalidFile[] {
  const invalid: InvalidFile[] = [];
  for (const [path, file] of tree) {
    const text = decoder.decode(file.bytes);
    if (/\.ya?ml$/i.test(path)) {
      const lineCounter = new LineCounter();
      const error = parseAllDocuments(text, { lineCounter, prettyErrors: false }).flatMap((doc) => ('errors' in doc ? doc.errors : []))[0];
      if (error && !text.includes('{{')) {
        invalid.push({ path, message: `not valid YAML: ${error.message.split('\n')[0]}`, line: lineCounter.linePos(error.pos[0]).line });
      }
    } else if (/\.json$/i.test(path)) {
      const problem = jsonProblem(text, path);
      if (problem && !text.includes('{{')) invalid.push({ path, message: `not valid JSON: ${problem}` });
    }
  }
  return invalid;
}

/** JSON with comments is allowed where the tools that read it allow it (tsconfig, VS Code). */
const JSONC = /(^|\/)(tsconfig[^/]*|jsconfig[^/]*|\.vscode\/[^/]*|\.?devcontainer\.json|[^/]*\.jsonc)$/;

function jsonProblem(text: string, path: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    if (JSONC.test(path)) {
      try {
        JSON.parse(stripJsonComments(text));
        return undefined;
      } catch {
        // fall through: report the strict error
      }
    }
    return error instanceof Error ? error.message : String(error);
  }
}

/** Drops // and /* *\/ comments (outside strings) and trailing commas. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      out += char;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

// ----------------------------------------------------------------------------- snapshots

/** Names git itself reads inside any folder: stored with a suffix so they cannot act on the snapshot. */
const GIT_FILES = new Set(['.gitignore', '.gitattributes', '.gitmodules']);
const GIT_SUFFIX = '.snapshot';

export function toSnapshotPath(path: string): string {
  return GIT_FILES.has(posix.basename(path)) ? `${path}${GIT_SUFFIX}` : path;
}

export function fromSnapshotPath(path: string): string {
  const base = posix.basename(path);
  return base.endsWith(GIT_SUFFIX) && GIT_FILES.has(base.slice(0, -GIT_SUFFIX.length)) ? path.slice(0, -GIT_SUFFIX.length) : path;
}

/** The snapshot in a folder, keyed by rendered path. */
export async function readSnapshot(fs: Fs, dir: string): Promise<Map<string, { bytes: Uint8Array; executable: boolean }>> {
  const { files } = await readTree(fs, dir);
  return new Map(files.map((f) => [fromSnapshotPath(f.path), { bytes: f.bytes, executable: f.executable }]));
}

async function compareSnapshot(fs: Fs, dir: string, tree: RenderedTree, update: boolean, differences: FileDifference[]): Promise<CaseResult['snapshot']> {
  if (!(await statOrUndefined(fs, dir))?.isDirectory()) {
    await writeSnapshot(fs, dir, tree);
    return 'created';
  }
  differences.push(...compareTrees(await readSnapshot(fs, dir), tree));
  if (differences.length === 0) return 'matched';
  if (!update) return 'differs';
  await fs.rm(dir, { recursive: true, force: true });
  await writeSnapshot(fs, dir, tree);
  return 'updated';
}

async function writeSnapshot(fs: Fs, dir: string, tree: RenderedTree): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [path, file] of tree) {
    const full = posix.join(dir, toSnapshotPath(path));
    await fs.mkdir(posix.dirname(full), { recursive: true });
    await fs.writeFile(full, file.bytes, { mode: file.executable ? 0o755 : 0o644 });
    await fs.chmod(full, file.executable ? 0o755 : 0o644);
  }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

/** What differs between an expected tree and an actual one, by path. */
export function compareTrees(
  expected: ReadonlyMap<string, { bytes: Uint8Array; executable: boolean }>,
  actual: ReadonlyMap<string, { bytes: Uint8Array; executable: boolean }>,
  ignore: (path: string) => boolean = () => false,
): FileDifference[] {
  // Windows checkouts do not keep the executable bit, so it is only compared elsewhere.
  const compareModes = process.platform !== 'win32';
  const differences: FileDifference[] = [];
  const paths = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const path of paths) {
    if (ignore(path)) continue;
    const want = expected.get(path);
    const got = actual.get(path);
    if (!want) differences.push({ path, change: 'added', expected: undefined, actual: got!.bytes });
    else if (!got) differences.push({ path, change: 'removed', expected: want.bytes, actual: undefined });
    else if (!same(want.bytes, got.bytes)) differences.push({ path, change: 'modified', expected: want.bytes, actual: got.bytes });
    else if (compareModes && want.executable !== got.executable) differences.push({ path, change: 'mode', expected: want.bytes, actual: got.bytes });
  }
  return differences;
}

// ----------------------------------------------------------------------------- upgrade = fresh

/** As `platform upgrade --yes` plans, with the pure diff3 line merge (no git). */
const UPGRADE_AS_CLI: PlanOptions = { textMerger: diff3Merger, conflictStyle: 'markers', force: false };

/**
 * Creates a repository at the previous version with the case's answers, upgrades it untouched
 * (as `platform upgrade --answers FIXTURE --yes` would, merging with diff3), and compares it with
 * a fresh render at this version with the same answers. Files written `once` are left out: an
 * upgrade never touches them.
 */
export async function checkUpgrade(from: Template, to: Template, testCase: TestCase): Promise<UpgradeCheck> {
  const check: UpgradeCheck = { case: testCase.name, status: 'equal', conflicts: [], differences: [] };
  const fs = new MemoryFs();
  const root = `/upgrade/${TEST_TARGET}`;
  const sourceLabel = `dir:${to.root}`;
  try {
    const known = new Set(from.manifest.questions.map((q) => q.name));
    const createAnswers = await resolve(from, new Map([...testCase.given].filter(([name]) => known.has(name))));
    await applyPlan(fs, await planChanges(fs, root, EMPTY_LOCKFILE, [newComponent(from, sourceLabel, createAnswers)], UPGRADE_AS_CLI), { pid: 1 });
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    return { ...check, status: 'skipped', reason: `${templateId(from)} cannot be created with these answers: ${error.message}` };
  }
  try {
    const lock = parseLockfile(decoder.decode(await fs.readFile(posix.join(root, LOCKFILE_NAME))), LOCKFILE_NAME);
    const locked = lock.templates.find((t) => t.name === from.manifest.name)!;
    const names = new Set(to.manifest.questions.map((q) => q.name));
    const recorded = new Map<string, GivenAnswer>(Object.entries(locked.answers).filter(([name]) => names.has(name)).map(([name, value]) => [name, { value, where: { file: LOCKFILE_NAME } }]));
    const answers = await resolve(to, new Map([...recorded, ...testCase.given]));
    const base = await renderRecorded(from, locked, TEST_TARGET, STAND_IN_CLI).catch(() => undefined);
    const theirs = renderTemplate(to, { answers: answers.values, targetName: TEST_TARGET });
    // The CLI's own pipeline: renames rendered and checked, answers recorded as it records them.
    const plan = await planChanges(fs, root, lock, [{ target: to, source: locked.source, locked, base, answers }], UPGRADE_AS_CLI);
    await applyPlan(fs, plan, { pid: 2 });
    check.conflicts = plan.conflicts;

    const upgraded = new Map<string, { bytes: Uint8Array; executable: boolean }>();
    for (const file of (await readTree(fs, root)).files) upgraded.set(file.path, { bytes: file.bytes, executable: file.executable });
    const once = new Set([
      ...[...theirs].filter(([, file]) => file.policy === 'once').map(([path]) => path),
      ...Object.entries(locked.files).filter(([, file]) => file.policy === 'once').map(([path]) => path),
    ]);
    check.differences = compareTrees(theirs, upgraded, (path) => path === LOCKFILE_NAME || once.has(path));
    if (check.differences.length > 0 || check.conflicts.length > 0) check.status = 'differs';
    return check;
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    return { ...check, status: 'failed', reason: error.message };
  }
}

