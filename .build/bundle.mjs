// The CLI's bundles, `npm run build` runs this between tsc and the build steps:
// - dist/bundle/cli.cjs: the whole CLI in one script, which bin/launch.js runs with a V8 code
//   cache (Node 20 has no compile cache for modules; on 22 and 24 this measured faster still);
// - dist/bundle/*.js: ES module entries (main.js, the build steps, dedicated command entries),
//   split into chunks loaded on demand.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * zod's main entry re-exports all of its ~60 message locales as `z.locales` (about 400 KB that
 * every start would compile); we use none but English, which zod imports on its own.
 */
const onlyEnglishZodLocales = {
  name: 'only-english-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * yaml as its ES module build (the same code, published beside the CommonJS one that Node's
 * `require` gets): esbuild hoists its ~70 modules into one scope instead of wrapping each in a
 * function with an exports object, and drops what is never imported. A merge driver's YAML merge
 * loads it ~0.4 ms faster and allocates ~65 KB less (node test/bench/merge-file.mjs). The builds
 * differ only where the CommonJS one uses Node itself: `!!binary` (YAML 1.1) reads as a
 * Uint8Array rather than a Buffer, a warning goes to console.warn rather than
 * process.emitWarning, and the LOG_TOKENS / LOG_STREAM debugging switches (an environment
 * look-up per token and per document) are not there.
 */
const yamlEsModuleBuild = {
  name: 'yaml-es-module-build',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: fileURLToPath(new URL('../node_modules/yaml/browser/index.js', import.meta.url)) }));
  },
};

/**
 * Handlebars' code generator uses source-map's SourceNode when it can require it, else a plain
 * string builder of its own (what it uses in browsers). We never ask for source maps; building
 * trees of SourceNodes made compiling 400 files ~10% slower, with 5 MB more peak memory. The code
 * differs only in not hoisting repeated pure expressions into variables
 * (test/unit/render-codegen.test.ts renders both forms and compares).
 */
const handlebarsWithoutSourceMap = {
  name: 'handlebars-without-source-map',
  setup(b) {
    b.onResolve({ filter: /^source-map$/ }, (args) => (/[\\/]node_modules[\\/]handlebars[\\/]/.test(args.importer) ? { path: 'source-map', namespace: 'no-source-map' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-source-map' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

await build({
  entryPoints: ['src/cli/main.ts', 'src/cli/precompile-builtins.ts', 'src/cli/build-help.ts', 'src/api.ts', 'src/cli/merge-file-entry.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  splitting: true,
  target: 'node20',
  outdir: 'dist/bundle',
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins: [onlyEnglishZodLocales, yamlEsModuleBuild, handlebarsWithoutSourceMap],
});

// import.meta.url in the sources: the script's own file URL (it sits beside main.js, so every
// relative URL resolves the same).
/**
 * Prompts (800 KB) load from node_modules with require() when a question is asked, so most runs
 * never read or compile them; `await import('@inquirer/prompts')` becomes a require() in a promise.
 */
const promptsFromNodeModules = {
  name: 'prompts-from-node-modules',
  setup(b) {
    b.onResolve({ filter: /^@inquirer\/prompts$/ }, (args) => (args.kind === 'require-call' ? { path: args.path, external: true } : { path: 'prompts', namespace: 'require-prompts' }));
    b.onLoad({ filter: /.*/, namespace: 'require-prompts' }, () => ({ contents: 'module.exports = require("@inquirer/prompts");', loader: 'js' }));
  },
};

/**
 * One CommonJS script per code-cached program, wrapped as the function bin/code-cache.js calls
 * (no second copy of the source): the whole CLI, and merge-file on its own (git runs it once per
 * file as a merge driver, so its start is most of its cost). Each gets the sha256 its cache is
 * keyed by: a rebuilt script never runs an older cache.
 */
async function codeCachedScript(entry, outfile, { minify = false, sourceMap = false } = {}) {
  await build({
    minify,
    // Beside the script, never loaded with it (no sourceMappingURL comment): PLATFORM_DEBUG's
    // stack trace is mapped through it (src/ui/stack-frames.ts). Positions and names only.
    ...(sourceMap ? { sourcemap: 'external', sourcesContent: false } : {}),
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'warning',
    // import.meta.url read when used (merge-file never does: no node:url to load for it).
    define: { 'import.meta.url': '__importMeta.url' },
    banner: { js: '(function (exports, require, module, __filename, __dirname) { "use strict";\nconst __importMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
    footer: { js: '})' },
    plugins: [onlyEnglishZodLocales, promptsFromNodeModules, yamlEsModuleBuild, handlebarsWithoutSourceMap],
  });
  // Without import() the script needs no dynamic-import hook (vm's is experimental, and warns).
  if (/\bimport\(\s*["'`]/.test(readFileSync(outfile, 'utf8'))) throw new Error(`${outfile} must not contain import(): bin/code-cache.js runs it without a module loader`);
  const sha256 = createHash('sha256').update(readFileSync(outfile)).digest('hex');
  writeFileSync(outfile.replace(/\.cjs$/, '.json'), `${JSON.stringify({ sha256 })}\n`);
}

// Minified, both: every run reads the source (V8 needs it beside the code cache) and the cache
// holds every name and scope the script declares. The CLI: 2.5 MB -> 0.9 MB of source, 1.27 ->
// 1.20 MB of cache; a create on the first use of a template ~5% faster at 40 files, 2-7 MB less
// peak memory at 400 (alternating runs of both builds). Its debug stack trace goes through the
// source map. merge-file: 324 KB -> 145 KB, ~0.3 ms of a merge driver's run; no stack trace is
// ever printed there. Names are not kept (esbuild's keepNames made the CLI slower than unminified).
await codeCachedScript('src/cli/main.ts', 'dist/bundle/cli.cjs', { minify: true, sourceMap: true });
await codeCachedScript('src/cli/merge-file-entry.ts', 'dist/bundle/merge-file.cjs', { minify: true });
