'use strict';
// Compiling the CLI's 2.5 MB of JavaScript is most of a short run's start (Node 20 keeps no
// compile cache for modules). V8's code cache, saved after a run, holds the bytecode of every
// function that run used; the next run skips their compilation.
const { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
// node:module's createRequire without loading node:module (0.2 ms): it is this Module class.
const createRequire = module.constructor.createRequire ?? require('node:module').createRequire;
const { dirname, join } = require('node:path');
const vm = require('node:vm');

/** $XDG_CACHE_HOME/platform/v8, else ~/.cache/platform/v8; none with PLATFORM_NO_CACHE or no home. */
function cacheDir(env) {
  if (env.PLATFORM_NO_CACHE) return undefined;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base ? join(base, 'platform', 'v8') : undefined;
}

/**
 * V8 trusts a code cache it accepts: a flipped bit can crash the process, on every run until the
 * file goes. V8 checks the cache's header itself (its own version, flags, the source's length,
 * the payload's length: a truncated, extended or misplaced file is refused), not the payload. So
 * the file holds V8's data twice, and a run hands it to V8 only when both copies are the same
 * bytes (a memcmp, ~0.1 ms): a flipped bit or a zeroed block lands in one copy. This replaced
 * V8's own checksum (--verify-snapshot-checksum, set through node:v8, whose load cost a merge
 * driver's run 1.1 ms) and, before it, a sha256 (node:crypto, 2 ms). Like them it is no defence
 * against someone who can write the folder (they could write a matching file, or ~/.bashrc).
 */
function twoCopies(data) {
  return Buffer.concat([data, data]);
}

/** V8's data from a file of two copies, or undefined when it is not two equal halves. */
function checkedCopy(file) {
  const half = file.length / 2;
  if (file.length === 0 || !Number.isInteger(half)) return undefined;
  const data = file.subarray(0, half);
  return data.equals(file.subarray(half)) ? data : undefined;
}

/**
 * Runs a CommonJS module wrapped as a function expression by the build (its content hashed as
 * `sha256` by the build) with a code cache kept per `name` (the command), script, Node version
 * and architecture. Returns its exports and saveCache(), which writes the cache after the run
 * when there was none or V8 refused it. A cache that cannot be read or written only makes the run
 * slower. A cache holds the functions compiled when it is made, so only what the saving run ran;
 * `train` names an export that runs the program's other common paths first (merge-file: YAML,
 * JSON and text merges), and saveCache() then returns a promise.
 */
function runScript(file, sha256, name, { train } = {}) {
  const source = readFileSync(file, 'utf8');
  const dir = cacheDir(process.env);
  // .v8c2: V8's data twice (older .v8c files carried V8's checksum, .bin a sha256 of ours; never read).
  const cacheFile = dir && join(dir, `${name}-${sha256.slice(0, 16)}-${process.version}-${process.arch}.v8c2`);
  let cachedData;
  try {
    if (cacheFile) cachedData = checkedCopy(readFileSync(cacheFile));
  } catch {
    // none yet
  }
  // A file that is not two equal copies counts as refused: it is written again after the run.
  const refused = cacheFile !== undefined && cachedData === undefined;
  // The build wrapped the script as `(function (exports, require, module, __filename, __dirname) {…})`.
  const script = new vm.Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  const write = () => {
    try {
      const data = twoCopies(script.createCachedData());
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temporary, data, { mode: 0o600 });
      renameSync(temporary, cacheFile);
      prune(dir, name);
    } catch {
      // No cache this time.
    }
  };
  const saveCache = () => {
    if (!cacheFile || (!refused && !script.cachedDataRejected)) return undefined;
    if (!train) return write();
    // A training that fails leaves a cache of what did compile: still this script's, only smaller.
    return Promise.resolve()
      .then(() => module.exports[train]())
      .then(write, write);
  };
  return { exports: module.exports, saveCache };
}

/** How many caches of one command stay: a few CLI builds or Node versions may share the folder. */
const KEEP_PER_COMMAND = 3;

/**
 * After a cache is written (the first run of a new build, Node version or command): every build
 * of the CLI leaves a cache per command, a megabyte or more each, so only the newest few of this
 * command stay, and caches of older formats (`.v8c`, `.bin`, never read) go. Only files named as this
 * script names them, in this folder, are removed; anything else is left alone.
 */
function prune(dir, name) {
  const own = new RegExp(`^${name.replace(/[^a-z0-9-]/g, '')}-[0-9a-f]{16}-v[0-9.]+-[a-z0-9]+\\.v8c2$`);
  const legacy = /^[a-z0-9-]+-[0-9a-f]{16}-v[0-9.]+-[a-z0-9]+\.(?:bin|v8c)$/;
  const caches = [];
  for (const entry of readdirSync(dir)) {
    if (!own.test(entry) && !legacy.test(entry)) continue;
    const file = join(dir, entry);
    try {
      const stat = lstatSync(file);
      if (!stat.isFile()) continue;
      if (legacy.test(entry)) unlinkSync(file);
      else caches.push({ file, mtime: stat.mtimeMs });
    } catch {
      // Gone already (another run pruned it).
    }
  }
  caches.sort((a, b) => b.mtime - a.mtime);
  for (const { file } of caches.slice(KEEP_PER_COMMAND)) {
    try {
      unlinkSync(file);
    } catch {
      // Gone already.
    }
  }
}

module.exports = { runScript };
