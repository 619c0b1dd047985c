// Telemetry starts before this file, through `--import ./dist/telemetry.js` (package.json, the
// Dockerfile): this import only reaches its shutdown. (Without --import it would start here,
// too late to instrument every module: always start the service with it.)
import { shutdownTelemetry } from "./telemetry.js";
import { buildApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { startFlags, stopFlags } from "./flags.js";
import { createShutdown } from "./shutdown.js";

function readConfig() {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

const config = readConfig();
const app = buildApp(config);

// Closing the app (graceful shutdown) stops watching the flags file, then flushes the last
// spans, metrics and logs to the collector, within half of the shutdown time at most.
// Without a collector (a laptop), the last telemetry is dropped at once, said in one line.
app.addHook("onClose", async () => {
  await stopFlags();
  try {
    const result = await shutdownTelemetry(Math.min(5_000, config.shutdownTimeoutMs / 2));
    if (result === "unreachable") {
      app.log.info(
        "no OpenTelemetry collector reachable (OTEL_EXPORTER_OTLP_ENDPOINT): last telemetry not sent",
      );
    }
  } catch (err) {
    // An expected condition (a collector that stopped answering), not a bug: no stack trace.
    app.log.warn(
      { reason: err instanceof Error ? err.message : String(err) },
      "could not flush telemetry",
    );
  }
});

const shutdown = createShutdown(app, { timeoutMs: config.shutdownTimeoutMs });
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => void shutdown(signal));
}

process.on("unhandledRejection", (err) => {
  app.log.fatal({ err }, "unhandled promise rejection");
  process.exit(1);
});
process.on("uncaughtException", (err) => {
  app.log.fatal({ err }, "uncaught exception");
  process.exit(1);
});

try {
  await startFlags(config.flagsFile, app.log);
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  app.log.fatal({ err }, "could not start the server");
  process.exit(1);
}
