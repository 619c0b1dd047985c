import { hostname } from "node:os";
import Fastify, { type FastifyInstance } from "fastify";
import { pino } from "pino";
import { SECRET_KEYS, type Config } from "./config.js";
import { FLAGS, booleanFlag } from "./flags.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Readiness state behind /readyz; shutdown sets `shuttingDown`. */
    readiness: { shuttingDown: boolean };
  }
}

/**
 * Log paths whose values are replaced by "[redacted]": the secrets (as keys of any logged
 * object, e.g. `log.info({ env })`), the whole `secrets` object of the config, and credentials
 * in request headers.
 */
export const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  "secrets",
  "*.secrets",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
];

/**
 * Builds the HTTP application without listening, so tests can drive it with
 * `app.inject()`. The entry point (server.ts) listens and handles signals.
 */
export function buildApp(config: Config): FastifyInstance {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // One JSON object per line with the service name on every record. While a request is
      // traced, src/telemetry.ts adds trace_id, span_id and trace_flags to each record.
      base: {
        service: config.serviceName,
        env: config.nodeEnv,
        pid: process.pid,
        hostname: hostname(),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Secret values never reach the logs, whatever object is logged.
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      // Synchronous writes to stdout: no log line is lost or reordered when
      // the process exits right after logging (shutdown, fatal errors).
      stream: pino.destination({ dest: 1, sync: true }),
    },
    // Honour an incoming request id (from the ingress or the caller).
    requestIdHeader: "x-request-id",
  });

  app.decorate("readiness", { shuttingDown: false });

  // Probes are polled every few seconds: only log them when they fail.
  const probe = { logLevel: "warn" } as const;

  // Liveness: the process is up and the event loop answers.
  app.get("/livez", probe, async () => ({ status: "ok" }));

  // Readiness: the service should receive traffic. Add checks of required
  // dependencies (database, ...) here; answer 503 while shutting down.
  app.get("/readyz", probe, async (_request, reply) => {
    if (app.readiness.shuttingDown) {
      return reply.code(503).send({ status: "shutting down" });
    }
    return { status: "ok" };
  });

  // Example route behind a feature flag (see src/flags.ts and deploy/flags/flags.json).
  app.get("/hello", async () => {
    const newGreeting = await booleanFlag(FLAGS.newGreeting);
    return {
      message: newGreeting
        ? `Hello from ${config.serviceName}, on the golden path!`
        : `Hello from ${config.serviceName}`,
    };
  });

  return app;
}
