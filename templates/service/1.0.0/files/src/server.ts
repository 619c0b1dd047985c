import { buildApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
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
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  app.log.fatal({ err }, "could not start the server");
  process.exit(1);
}
