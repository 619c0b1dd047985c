import type { FastifyInstance } from "fastify";

export interface ShutdownOptions {
  /** Hard limit for draining; past it the process exits with 1. */
  timeoutMs: number;
  /** Injected for tests; defaults to process.exit. */
  exit?: (code: number) => void;
}

/**
 * Returns the shutdown handler for SIGTERM/SIGINT: mark the service not
 * ready, stop accepting connections, let in-flight requests finish, close
 * the server (and everything registered with onClose hooks), then exit 0.
 * If that takes longer than `timeoutMs`, exit 1. A second signal while
 * draining exits 1 at once.
 */
export function createShutdown(
  app: FastifyInstance,
  { timeoutMs, exit = (code) => process.exit(code) }: ShutdownOptions,
): (signal: string) => Promise<void> {
  let started = false;

  return async (signal) => {
    if (started) {
      app.log.warn({ signal }, "second signal, exiting now");
      exit(1);
      return;
    }
    started = true;
    app.readiness.shuttingDown = true;
    app.log.info({ signal, timeoutMs }, "shutting down");

    const timer = setTimeout(() => {
      app.log.error({ timeoutMs }, "shutdown timed out, exiting");
      exit(1);
    }, timeoutMs);

    try {
      await app.close();
      clearTimeout(timer);
      app.log.info("shutdown complete");
      exit(0);
    } catch (err) {
      clearTimeout(timer);
      app.log.error({ err }, "shutdown failed");
      exit(1);
    }
  };
}
