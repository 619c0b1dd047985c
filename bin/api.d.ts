/** The engine API of create-service, for an organisation's branded CLI (see README "A branded CLI"). */
export interface BrandedCliOptions {
  /** `create-service` (creates, like `npm create`) or `platform` (every command: upgrade, status, add…). */
  bin: 'create-service' | 'platform';
  /** Your package.json (path or file URL): its name and version are what generated repositories pin. */
  packageJson: string | URL;
  /** The catalog folder inside your package (path or file URL): NAME/VERSION/ templates, pins.yaml, presets/. */
  catalog: string | URL;
  /** Where that catalog is published, as lockfiles record it (default `npm:NAME//FOLDER`); a `git:URL[//SUB]` works too. */
  source?: string;
}

/** Runs the CLI for process.argv with your catalog as its default; sets process.exitCode. */
export function runBrandedCli(options: BrandedCliOptions): Promise<void>;
