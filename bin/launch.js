'use strict';
// CommonJS (see bin/package.json): Node starts a CommonJS file faster than an ES module. Nothing
// here loads before the bins need it; --version and --help are answered from two small files.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const readJson = (path) => JSON.parse(readFileSync(join(root, path), 'utf8'));

/**
 * `--version`, `-V`, `[COMMAND…] --help` (or `-h`) and, for a bin with subcommands,
 * `help [COMMAND]`: printed from package.json and from dist/help.json (commander's own text,
 * saved by the build). Returns false for anything else, or for a command it has no page for, so
 * the CLI's parser answers those.
 */
function answerFromFiles(bin, { subcommands }) {
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${readJson('package.json').version}\n`);
    return true;
  }
  let path;
  // `help COMMAND` takes one name, as commander does (`help template lint` shows `template`).
  if (subcommands && args[0] === 'help') path = args.slice(1, 2);
  else if (args.length > 0 && (args[args.length - 1] === '--help' || args[args.length - 1] === '-h')) path = args.slice(0, -1);
  if (!path) return false;
  let pages;
  try {
    pages = readJson('dist/help.json')[bin];
  } catch {
    return false; // not built: the launch below says so
  }
  const key = path.join(' ');
  const page = pages && Object.prototype.hasOwnProperty.call(pages, key) ? pages[key] : undefined;
  if (typeof page !== 'string') return false;
  process.stdout.write(page);
  return true;
}

/**
 * Which code cache a run uses: one per command, so each holds the functions that command runs
 * (a cache is saved by the first run that finds none). Only names of real commands.
 */
function cacheName(bin) {
  if (bin !== 'platform') return bin;
  const command = process.argv[2];
  try {
    if (command && Object.prototype.hasOwnProperty.call(readJson('dist/help.json').platform, command)) return `platform-${command}`;
  } catch {
    // no help pages: one cache for every command
  }
  return 'platform';
}

/**
 * Runs the CLI: `entry` of dist/bundle/ (an ES module, for a command with an entry of its own),
 * else the whole CLI from dist/bundle/cli.cjs with its V8 code cache.
 */
function launch(bin, entry) {
  // Node >= 22.1 keeps compiled modules (these bins, ES module entries) between runs. Older ones
  // do not even load node:module (0.2 ms of a merge driver's run).
  if (Number(process.versions.node.split('.')[0]) >= 22) {
    try {
      require('node:module').enableCompileCache?.();
    } catch {
      // A cache directory that cannot be created only makes the start slower.
    }
  }
  if (entry !== undefined) {
    // An entry's main(args) resolves to the exit code, or to undefined to hand over to the
    // whole CLI (--help, an option it does not take); a missing entry hands over too. A .cjs
    // entry runs with its own V8 code cache, as the whole CLI does.
    let small;
    try {
      small = entry.endsWith('.cjs')
        ? require('./code-cache.js').runScript(join(root, 'dist/bundle', entry), readJson(`dist/bundle/${entry.replace(/\.cjs$/, '.json')}`).sha256, `${bin}-${process.argv[2]}`, { train: 'trainCodeCache' })
        : undefined;
    } catch {
      launch(bin);
      return;
    }
    let program;
    (small ? Promise.resolve(small.exports) : import(`../dist/bundle/${entry}`))
      .then((loaded) => (program = loaded).main(process.argv.slice(3)))
      .then(
        (status) => {
          if (status === undefined) return launch(bin);
          process.exitCode = status;
          // merge-file's status counts conflicts (a merge that did its job); 255 is an error.
          // Making a cache (the first run of a build) trains it first: wait for that.
          const saving = status < 128 ? small?.saveCache() : undefined;
          // Its output is out (written synchronously): exit now rather than give V8's pending
          // housekeeping a turn first (a scavenge after a YAML parse, ~1 ms of a merge driver).
          const exit = () => program.exitAtOnce?.() && process.exit();
          if (saving) saving.then(exit);
          else exit();
        },
        () => launch(bin),
      );
    return;
  }
  const { name, version } = readJson('package.json');
  let cli;
  try {
    cli = require('./code-cache.js').runScript(join(root, 'dist/bundle/cli.cjs'), readJson('dist/bundle/cli.json').sha256, cacheName(bin));
  } catch (error) {
    process.stderr.write(`error: the platform CLI ${version} is not built (${error.message}).\n  hint: run \`npm run build\` in its folder.\n`);
    process.exitCode = 1;
    return;
  }
  // Only a run that succeeded keeps a cache: a refused input leaves nothing behind, not even here.
  cli.exports.main(bin, version, name).then(() => {
    if (!process.exitCode) cli.saveCache();
  });
}

module.exports = { answerFromFiles, launch };
