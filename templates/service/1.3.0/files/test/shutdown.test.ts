import { describe, expect, it, vi } from "vitest";
import { buildApp } from "../src/app.js";
import { createShutdown } from "../src/shutdown.js";
import { testConfig } from "./helpers.js";

describe("graceful shutdown", () => {
  it("marks the service not ready, closes the server and exits 0", async () => {
    const app = buildApp(testConfig());
    await app.ready();
    const exit = vi.fn();
    let readyWhileClosing: boolean | undefined;
    app.addHook("onClose", async () => {
      readyWhileClosing = !app.readiness.shuttingDown;
    });

    await createShutdown(app, { timeoutMs: 5_000, exit })("SIGTERM");

    expect(readyWhileClosing).toBe(false);
    expect(app.readiness.shuttingDown).toBe(true);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it("answers 503 on /readyz as soon as shutdown starts", async () => {
    const app = buildApp(testConfig());
    let release!: () => void;
    const draining = new Promise<void>((resolve) => (release = resolve));
    app.addHook("onClose", () => draining);
    await app.ready();

    const done = createShutdown(app, { timeoutMs: 5_000, exit: vi.fn() })("SIGTERM");
    expect(app.readiness.shuttingDown).toBe(true);

    release();
    await done;
  });

  it("exits 1 when draining exceeds the timeout", async () => {
    const app = buildApp(testConfig());
    app.addHook("onClose", () => new Promise<void>(() => {})); // never drains
    await app.ready();
    const exited = new Promise<number>((resolve) => {
      void createShutdown(app, { timeoutMs: 50, exit: resolve })("SIGTERM");
    });

    expect(await exited).toBe(1);
  });

  it("exits 1 at once on a second signal", async () => {
    const app = buildApp(testConfig());
    app.addHook("onClose", () => new Promise<void>(() => {}));
    await app.ready();
    const exit = vi.fn();
    const shutdown = createShutdown(app, { timeoutMs: 60_000, exit });

    void shutdown("SIGTERM");
    await shutdown("SIGINT");

    expect(exit).toHaveBeenCalledWith(1);
  });
});
