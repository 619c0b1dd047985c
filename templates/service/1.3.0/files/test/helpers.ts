import { loadConfig, type Config } from "../src/config.js";

/** A valid configuration for tests, with overrides from `env`. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", ...env });
}
