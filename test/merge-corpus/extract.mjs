#!/usr/bin/env node
// Finds real three-way merges of YAML and JSON files in a local git repository and writes only
// their ids (repository, merge commit, path) to ids.json: never the files themselves, which
// belong to their authors. score.mjs reads them back from the same local mirrors.
//
//   node test/merge-corpus/extract.mjs OWNER/NAME GIT_DIR [--max N]
//
// A file counts when a merge commit has two parents, both changed it since their merge base,
// in different ways, and it exists in the base, both parents and the merge.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const idsFile = fileURLToPath(new URL('./ids.json', import.meta.url));
const [repo, gitDir, ...rest] = process.argv.slice(2);
if (!repo || !gitDir || !/^[\w.-]+\/[\w.-]+$/.test(repo)) {
  process.stderr.write('usage: node test/merge-corpus/extract.mjs OWNER/NAME GIT_DIR [--max N]\n');
  process.exit(2);
}
const max = rest[0] === '--max' ? Number(rest[1]) : Infinity;
const MAX_BYTES = 512 * 1024;
const git = (...args) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const tryGit = (...args) => {
  try {
    return git(...args);
  } catch {
    return undefined;
  }
};
const isData = (path) => /\.(ya?ml|json)$/i.test(path);
const changed = (from, to) => new Set(git('diff', '--no-renames', '--name-only', '-z', from, to).split('\0').filter(isData));
const blob = (commit, path) => tryGit('rev-parse', '--verify', '--quiet', `${commit}:${path}`)?.trim();
const size = (id) => Number(git('cat-file', '-s', id));

const found = [];
for (const line of git('log', '--merges', '--format=%H %P').split('\n')) {
  const [merge, ours, theirs, ...more] = line.split(' ');
  if (!merge || !theirs || more.length > 0) continue;
  const base = tryGit('merge-base', ours, theirs)?.trim();
  if (!base) continue;
  const inTheirs = changed(base, theirs);
  for (const path of changed(base, ours)) {
    if (!inTheirs.has(path)) continue;
    const ids = [base, ours, theirs, merge].map((c) => blob(c, path));
    if (ids.some((id) => !id) || ids[1] === ids[2] || ids.some((id) => size(id) > MAX_BYTES)) continue;
    found.push({ repo, merge, path });
  }
  if (found.length >= max) break;
}

const existing = existsSync(idsFile) ? JSON.parse(readFileSync(idsFile, 'utf8')) : [];
const kept = existing.filter((id) => id.repo !== repo);
const all = [...kept, ...found.slice(0, max)];
writeFileSync(idsFile, `${JSON.stringify(all, null, 1)}\n`);
process.stdout.write(`${repo}: ${Math.min(found.length, max)} file merges (ids.json now has ${all.length})\n`);
