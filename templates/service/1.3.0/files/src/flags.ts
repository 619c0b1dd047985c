import { FlagdProvider } from "@openfeature/flagd-provider";
import {
  OpenFeature,
  ProviderEvents,
  type EvaluationContext,
  type Logger,
} from "@openfeature/server-sdk";
import type { FastifyBaseLogger } from "fastify";

/**
 * Feature flags through OpenFeature (https://openfeature.dev).
 *
 * The flag definitions are a flagd-format JSON file (https://flagd.dev/reference/flag-definitions/):
 * deploy/flags/flags.json in this repository, mounted at /etc/flags/flags.json in Kubernetes
 * and named by FLAGS_FILE. The flagd provider evaluates it in-process (no flagd daemon, no
 * network), including targeting rules, and re-reads it when it changes (polled every 5 s), so a
 * ConfigMap update takes effect without a restart.
 *
 * Every flag has a safe default below. It is used when FLAGS_FILE is not set, when the file is
 * missing or invalid, and when the file does not define the flag: the service never needs the
 * file to work.
 */

interface Flag<T> {
  /** The flag's key in the flags file. */
  key: string;
  /** The safe value used when the flag cannot be evaluated. */
  defaultValue: T;
}

/** Every flag the service reads. */
export const FLAGS = {
  /** Example flag, read by GET /hello: the new greeting. Remove it once you have your own. */
  newGreeting: { key: "new-greeting", defaultValue: false } satisfies Flag<boolean>,
} as const;

const client = OpenFeature.getClient();

/** How often a flags file that could not be loaded at start-up is tried again. */
const RETRY_INTERVAL_MS = 5_000;

/** Undoes what startFlags set up (event handlers, retries). */
let cleanUp = () => {};

/**
 * Evaluates a boolean flag. Never throws: on any error it returns the flag's default. Pass an
 * evaluation context (e.g. `{ targetingKey: userId }`) for targeting and fractional rollouts.
 */
export function booleanFlag(flag: Flag<boolean>, context?: EvaluationContext): Promise<boolean> {
  return client.getBooleanValue(flag.key, flag.defaultValue, context);
}

/** OpenFeature's own messages as JSON log records, like the rest of the service. */
function openFeatureLogger(log: FastifyBaseLogger): Logger {
  const forward =
    (level: "error" | "warn" | "info" | "debug") =>
    (...args: unknown[]) => {
      const err = args.find((arg) => arg instanceof Error);
      const msg = args.filter((arg) => typeof arg === "string").join(" ") || "openfeature";
      log[level]({ component: "openfeature", ...(err ? { err } : {}) }, msg);
    };
  return {
    error: forward("error"),
    warn: forward("warn"),
    info: forward("info"),
    debug: forward("debug"),
  };
}

/**
 * Loads the flags file, when there is one. Start-up never fails because of flags: a missing or
 * invalid file is logged (once) and every flag takes its default. The provider only watches a
 * file it has loaded, so until then the file is tried again every few seconds.
 */
export async function startFlags(flagsFile: string | undefined, log: FastifyBaseLogger) {
  const logger = openFeatureLogger(log);
  OpenFeature.setLogger(logger);
  if (!flagsFile) {
    log.info("FLAGS_FILE is not set: every feature flag takes its default");
    return;
  }

  let warned = false; // one warning per outage, not one per attempt
  const onReady = () => {
    warned = false;
  };
  const onChange = () => log.info({ flagsFile }, "feature flags reloaded");
  const onError = (details?: { message?: string }) => {
    if (warned) return;
    warned = true;
    log.warn({ flagsFile, reason: details?.message }, "feature flags unavailable: using defaults");
  };
  OpenFeature.addHandler(ProviderEvents.Ready, onReady);
  OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, onChange);
  OpenFeature.addHandler(ProviderEvents.Error, onError);
  let retry: NodeJS.Timeout | undefined;
  cleanUp = () => {
    clearInterval(retry);
    OpenFeature.removeHandler(ProviderEvents.Ready, onReady);
    OpenFeature.removeHandler(ProviderEvents.ConfigurationChanged, onChange);
    OpenFeature.removeHandler(ProviderEvents.Error, onError);
  };

  // In-process evaluation of the file: no flagd daemon, no network.
  const load = async () => {
    await OpenFeature.setProviderAndWait(
      new FlagdProvider({ resolverType: "in-process", offlineFlagSourcePath: flagsFile }, logger),
    );
    log.info({ flagsFile }, "feature flags loaded");
  };
  try {
    await load();
  } catch (err) {
    onError({ message: err instanceof Error ? err.message : String(err) });
    retry = setInterval(() => {
      load().then(
        () => clearInterval(retry),
        () => {}, // still missing or invalid: already reported
      );
    }, RETRY_INTERVAL_MS);
    retry.unref();
  }
}

/** Stops watching the flags file (part of graceful shutdown); flags take their defaults. */
export async function stopFlags(): Promise<void> {
  cleanUp();
  cleanUp = () => {};
  await OpenFeature.clearProviders();
}
