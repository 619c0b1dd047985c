// The CLI's bundles, `npm run build` runs this between tsc and the build steps:
// - dist/bundle/cli.cjs: the whole CLI in one script, which bin/launch.js runs with a V8 code
//   cache (Node 20 has no compile cache for modules; on 22 and 24 this measured faster still);
// - dist/bundle/*.js: ES module entries (main.js, the build steps, dedicated command entries),
//   split into chunks loaded on demand.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
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

await build({
  entryPoints: ['src/cli/main.ts', 'src/cli/precompile-builtins.ts', 'src/cli/build-help.ts'],
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
  plugins: [onlyEnglishZodLocales],
});

// import.meta.url in the sources: the script's own file URL (it sits beside main.js, so every
// relative URL resolves the same). "use strict" comes from the wrapper in bin/launch.js.
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/bundle/cli.cjs',
  logLevel: 'warning',
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [onlyEnglishZodLocales],
});
// The code cache is keyed by the script's content: a rebuilt CLI never runs an older cache.
const sha256 = createHash('sha256').update(readFileSync('dist/bundle/cli.cjs')).digest('hex');
writeFileSync('dist/bundle/cli.json', `${JSON.stringify({ sha256 })}\n`);
