#!/usr/bin/env node
// npm run merge-corpus [-- --mirrors DIR] [-- --show] [-- --only REPO] [-- --json]
//
// Scores the merge engine on real merges: for each id in ids.json (repository, merge commit,
// path), materialises the merge base, both parents and the file people committed from a local
// bare mirror (DIR/OWNER+NAME/repo, default /work/.mirror; `fetch` or `git clone --bare` them),
// runs git merge-file and our engine (the built dist, in process) and counts:
//   git conflicts / our conflicts, clean and equal to what people committed, clean but different
//   (each listed), byte-identity with git wherever git was clean (must be 100%), and git
//   conflicts we resolved (equal to people, or not).
// --show prints the diff of every clean-but-different result against what people committed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const MIRRORS = option('--mirrors') ?? process.env.MERGE_CORPUS_MIRRORS ?? '/work/.mirror';
const SHOW = argv.includes('--show');
const ONLY = option('--only');
const JSON_OUT = argv.includes('--json');
const entryPath = join(REPO, 'dist/bundle/merge-file-entry.js');
if (!existsSync(entryPath)) {
  process.stderr.write('error: the CLI is not built.\n  hint: run `npm run build` first.\n');
  process.exit(2);
}
const { mergeFile } = await import(pathToFileURL(entryPath).href);
const YAML = await import(pathToFileURL(join(REPO, 'node_modules/yaml/dist/index.js')).href);

/** The data a file holds (maps compared without their key order), or undefined when it does not parse. */
function dataOf(path, bytes) {
  const text = new TextDecoder().decode(bytes);
  try {
    const value = /\.json$/i.test(path) ? [JSON.parse(text)] : YAML.parseAllDocuments(text, { uniqueKeys: false }).map((d) => d.toJS({ maxAliasCount: 100 }));
    return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
  } catch {
    return undefined;
  }
}

const ids = JSON.parse(readFileSync(join(REPO, 'test/merge-corpus/ids.json'), 'utf8')).filter((id) => !ONLY || id.repo === ONLY);
const work = mkdtempSync(join(tmpdir(), 'merge-corpus-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const labels = { ours: 'ours', base: 'base', theirs: 'theirs' };
const git = (gitDir, ...args) => execFileSync('git', ['--git-dir', gitDir, ...args], { maxBuffer: 256 * 1024 * 1024 });
const bases = new Map();

function materialise({ repo, merge, path }) {
  const gitDir = join(MIRRORS, repo.replace('/', '+'), 'repo');
  if (!existsSync(gitDir)) return undefined;
  if (!bases.has(merge)) {
    const [ours, theirs] = ['^1', '^2'].map((p) => git(gitDir, 'rev-parse', `${merge}${p}`).toString().trim());
    bases.set(merge, [git(gitDir, 'merge-base', ours, theirs).toString().trim(), ours, theirs]);
  }
  const [base, ours, theirs] = bases.get(merge);
  const show = (commit) => new Uint8Array(git(gitDir, 'cat-file', 'blob', `${commit}:${path}`));
  return { base: show(base), ours: show(ours), theirs: show(theirs), people: show(merge) };
}

/** git merge-file -p on the three versions: the reference. */
function gitMerge(files) {
  for (const side of ['base', 'ours', 'theirs']) writeFileSync(join(work, side), files[side]);
  const r = spawnSync('git', ['merge-file', '-p', '-L', 'ours', '-L', 'base', '-L', 'theirs', join(work, 'ours'), join(work, 'base'), join(work, 'theirs')], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status === null || r.status > 127) throw new Error(`git merge-file failed: ${r.stderr}`);
  return { bytes: new Uint8Array(r.stdout), conflicts: r.status };
}

const same = (a, b) => Buffer.from(a).equals(Buffer.from(b));
const dec = new TextDecoder();
const counts = {
  files: 0, missing: 0,
  gitClean: 0, gitCleanEqualPeople: 0, gitConflicts: 0,
  oursClean: 0, oursConflicts: 0, oursCleanEqualPeople: 0, oursCleanDifferent: 0,
  byteIdenticalWhereGitClean: 0,
  gitConflictResolved: 0, gitConflictResolvedEqualPeople: 0, gitConflictResolvedDifferent: 0,
  oursCleanDifferentSameData: 0, oursCleanDifferentPeopleInvalid: 0,
  gitConflictStillConflict: 0, conflictBlocksGit: 0, conflictBlocksOurs: 0, conflictBlocksGitWhereStill: 0,
};
const lists = { notIdenticalToGit: [], cleanButDifferent: [], oursConflictWhereGitClean: [] };
const notes = new Map();
const started = performance.now();

for (const id of ids) {
  const files = materialise(id);
  if (!files) {
    counts.missing++;
    continue;
  }
  counts.files++;
  const reference = gitMerge(files);
  const textMerger = async (base, ours, theirs) => {
    // The scorer already ran git on exactly these texts (no line-ending rewrite): reuse it.
    if (base === dec.decode(files.base) && ours === dec.decode(files.ours) && theirs === dec.decode(files.theirs)) {
      return { text: dec.decode(reference.bytes), conflicts: reference.conflicts };
    }
    const r = gitMerge({ base, ours, theirs });
    return { text: dec.decode(r.bytes), conflicts: r.conflicts };
  };
  const result = await mergeFile({ path: id.path, base: files.base, ours: files.ours, theirs: files.theirs, labels, textMerger });
  const name = `${id.repo} ${id.merge.slice(0, 12)} ${id.path}`;
  if (result.note) notes.set(result.note.replace(/both sides changed .*/, 'both sides changed the same data'), (notes.get(result.note.replace(/both sides changed .*/, 'both sides changed the same data')) ?? 0) + 1);
  if (reference.conflicts === 0) {
    counts.gitClean++;
    if (same(reference.bytes, files.people)) counts.gitCleanEqualPeople++;
    if (same(result.bytes, reference.bytes)) counts.byteIdenticalWhereGitClean++;
    else lists.notIdenticalToGit.push(name);
    if (result.conflicts > 0) lists.oursConflictWhereGitClean.push(name);
  } else {
    counts.gitConflicts++;
    counts.conflictBlocksGit += reference.conflicts;
    if (result.conflicts === 0) {
      counts.gitConflictResolved++;
      if (same(result.bytes, files.people)) counts.gitConflictResolvedEqualPeople++;
      else counts.gitConflictResolvedDifferent++;
    } else {
      counts.gitConflictStillConflict++;
      counts.conflictBlocksOurs += result.conflicts;
      counts.conflictBlocksGitWhereStill += reference.conflicts;
    }
  }
  if (result.conflicts === 0) {
    counts.oursClean++;
    if (same(result.bytes, files.people)) counts.oursCleanEqualPeople++;
    else {
      counts.oursCleanDifferent++;
      const sameData = dataOf(id.path, result.bytes) !== undefined && dataOf(id.path, result.bytes) === dataOf(id.path, files.people);
      const peopleInvalid = dataOf(id.path, files.people) === undefined;
      if (sameData) counts.oursCleanDifferentSameData++;
      if (peopleInvalid) counts.oursCleanDifferentPeopleInvalid++;
      lists.cleanButDifferent.push({ name, gitClean: reference.conflicts === 0, method: result.method, sameData, peopleInvalid });
      if (SHOW) {
        writeFileSync(join(work, 'result'), result.bytes);
        writeFileSync(join(work, 'people'), files.people);
        const diff = spawnSync('git', ['diff', '--no-index', '-U1', '--', join(work, 'people'), join(work, 'result')], { encoding: 'utf8' });
        process.stdout.write(`--- ${name} (${reference.conflicts === 0 ? 'git clean' : 'git conflict'}, ${result.method}): people vs ours\n${diff.stdout.split('\n').slice(4, 40).join('\n')}\n`);
      }
    }
  } else counts.oursConflicts++;
}

const pct = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify({ counts, lists, notes: Object.fromEntries(notes), seconds }, null, 2)}\n`);
} else {
  const repos = new Set(ids.map((id) => id.repo));
  const lines = [
    `merge corpus: ${counts.files} file merges from ${repos.size} repositories (${counts.missing} ids without a local mirror), ${seconds} s`,
    `git merge-file: ${counts.gitClean} clean (${counts.gitCleanEqualPeople} equal to what people committed), ${counts.gitConflicts} in conflict (${counts.conflictBlocksGit} blocks)`,
    `platform:       ${counts.oursClean} clean (${counts.oursCleanEqualPeople} equal to people, ${counts.oursCleanDifferent} different: ${counts.oursCleanDifferentSameData} of them the same data in another order or layout, ${counts.oursCleanDifferentPeopleInvalid} where what people committed does not parse), ${counts.oursConflicts} in conflict`,
    `byte-identical to git where git was clean: ${counts.byteIdenticalWhereGitClean}/${counts.gitClean} (${pct(counts.byteIdenticalWhereGitClean, counts.gitClean)})`,
    `git conflicts resolved: ${counts.gitConflictResolved}/${counts.gitConflicts} (${counts.gitConflictResolvedEqualPeople} equal to people, ${counts.gitConflictResolvedDifferent} different); still in conflict: ${counts.gitConflictStillConflict} (${counts.conflictBlocksOurs} blocks where git has ${counts.conflictBlocksGitWhereStill} in those files)`,
    `why structure did not decide: ${[...notes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v} ${k}`).join('; ') || 'n/a'}`,
  ];
  if (lists.notIdenticalToGit.length) lines.push('NOT byte-identical to git (git clean):', ...lists.notIdenticalToGit.map((n) => `  ${n}`));
  if (lists.oursConflictWhereGitClean.length) lines.push('conflict where git was clean (git\'s bytes kept: its clean result is not valid data):', ...lists.oursConflictWhereGitClean.map((n) => `  ${n}`));
  if (lists.cleanButDifferent.length) lines.push('clean but different from people:', ...lists.cleanButDifferent.map((c) => `  ${c.name} (${c.gitClean ? 'git clean too' : 'git conflict'}, ${c.method}${c.sameData ? ', same data as people' : ''}${c.peopleInvalid ? ', people committed invalid data' : ''})`));
  process.stdout.write(`${lines.join('\n')}\n`);
}
process.exitCode = lists.notIdenticalToGit.length > 0 ? 1 : 0;
