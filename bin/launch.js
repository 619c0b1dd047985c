import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Shared by both bins. `--version` is answered here, so it costs no more than Node's start. */
export function launch(bin) {
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${version}\n`);
    return;
  }
  import('../dist/cli/main.js').then(
    (cli) => cli.main(bin, version),
    (error) => {
      process.stderr.write(`error: the platform CLI ${version} is not built (${error.message}).\n  hint: run \`npm run build\` in its folder.\n`);
      process.exitCode = 1;
    },
  );
}
