// The CLI's bundle (dist/bundle/): one ESM entry per program plus the build steps, split into
// chunks loaded on demand. `npm run build` runs this between tsc and the build steps.
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
