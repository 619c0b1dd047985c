/** Shared by both bins once they know they need the CLI itself. */
export function launch(bin, version, packageName) {
  import('../dist/bundle/main.js').then(
    (cli) => cli.main(bin, version, packageName),
    (error) => {
      process.stderr.write(`error: the platform CLI ${version} is not built (${error.message}).\n  hint: run \`npm run build\` in its folder.\n`);
      process.exitCode = 1;
    },
  );
}
