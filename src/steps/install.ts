import type { StepResult } from './git.js';

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** The package manager that launched us (npm_config_user_agent: "pnpm/9.1.0 npm/? node/v22…"). */
export function packageManagerFrom(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split('/')[0];
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm';
}

/** Installs dependencies; output is kept to show on failure, never streamed into ours. */
export async function installDependencies(dir: string, pm: PackageManager, signal?: AbortSignal): Promise<StepResult> {
  const args = pm === 'npm' ? ['install', '--no-audit', '--no-fund'] : ['install'];
  try {
    // Loaded on first use: a run that spawns nothing does not pay for it.
    const { execa } = await import('execa');
    const result = await execa(pm, args, { cwd: dir, reject: false, all: true, stdin: 'ignore', ...(signal ? { cancelSignal: signal } : {}) });
    if (result.exitCode === 0) return { name: 'install', status: 'done', detail: `${pm} ${args.join(' ')}` };
    const tail = String(result.all ?? '').split('\n').slice(-20).join('\n');
    return { name: 'install', status: 'failed', detail: `${pm} ${args.join(' ')} exited with ${result.exitCode ?? result.signal}`, output: tail };
  } catch (error) {
    return { name: 'install', status: 'failed', detail: `could not run ${pm}: ${(error as Error).message}` };
  }
}
