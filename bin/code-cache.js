'use strict';
// Compiling the CLI's 2.5 MB of JavaScript is most of a short run's start (Node 20 keeps no
// compile cache for modules). V8's code cache, saved after a run, holds the bytecode of every
// function that run used; the next run skips their compilation.
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

/** $XDG_CACHE_HOME/platform/v8, else ~/.cache/platform/v8; none with PLATFORM_NO_CACHE or no home. */
function cacheDir(env) {
  if (env.PLATFORM_NO_CACHE) return undefined;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base ? join(base, 'platform', 'v8') : undefined;
}

// V8 trusts a code cache it accepts (a flipped bit can crash the process): the file starts with
// the sha256 of the data, and data that does not match it is not used.
const digest = (data) => createHash('sha256').update(data).digest();

function readCache(file) {
  const bytes = readFileSync(file);
  const data = bytes.subarray(32);
  return data.length > 0 && digest(data).equals(bytes.subarray(0, 32)) ? data : undefined;
}

/**
 * Runs a CommonJS module wrapped as a function expression by the build (its content hashed as `sha256` by the build) with a code cache kept
 * per `name` (the command), script, Node version and architecture. Returns its exports and
 * saveCache(), which writes the cache after the run when there was none or V8 refused it. A cache that cannot be read or
 * written only makes the run slower.
 */
function runScript(file, sha256, name, { eager = false } = {}) {
  const source = readFileSync(file, 'utf8');
  const dir = cacheDir(process.env);
  const cacheFile = dir && join(dir, `${name}-${sha256.slice(0, 16)}-${process.version}-${process.arch}.bin`);
  let cachedData;
  try {
    if (cacheFile) cachedData = readCache(cacheFile);
  } catch {
    // none yet
  }
  // The build wrapped the script as `(function (exports, require, module, __filename, __dirname) {…})`.
  // A cache holds only the functions compiled by the run that saved it. For a small program whose
  // runs take different paths (merge-file: text, JSON, YAML), the run that saves compiles all of
  // it, so no later run compiles what an earlier one skipped.
  const eagerNow = eager && !cachedData;
  if (eagerNow) require('node:v8').setFlagsFromString('--no-lazy');
  let script;
  try {
    script = new vm.Script(source, { filename: file, cachedData });
  } finally {
    if (eagerNow) require('node:v8').setFlagsFromString('--lazy');
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  const saveCache = () => {
    if (!cacheFile || (cachedData && !script.cachedDataRejected)) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      const data = script.createCachedData();
      writeFileSync(temporary, Buffer.concat([digest(data), data]), { mode: 0o600 });
      renameSync(temporary, cacheFile);
    } catch {
      // No cache this time.
    }
  };
  return { exports: module.exports, saveCache };
}

module.exports = { runScript };
