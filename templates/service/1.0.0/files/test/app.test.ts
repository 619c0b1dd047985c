import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { testConfig } from "./helpers.js";

describe("probes", () => {
  let app: FastifyInstance;

  afterEach(async () => {
    await app.close();
  });

  it("GET /livez answers 200", async () => {
    app = buildApp(testConfig());
    const res = await app.inject({ method: "GET", url: "/livez" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz answers 200 when ready", async () => {
    app = buildApp(testConfig());
    const res = await app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz answers 503 once shutting down, /livez stays 200", async () => {
    app = buildApp(testConfig());
    app.readiness.shuttingDown = true;
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: "shutting down" });
    const live = await app.inject({ method: "GET", url: "/livez" });
    expect(live.statusCode).toBe(200);
  });

  it("unknown routes answer 404", async () => {
    app = buildApp(testConfig());
    const res = await app.inject({ method: "GET", url: "/nope" });
    expect(res.statusCode).toBe(404);
  });
});
