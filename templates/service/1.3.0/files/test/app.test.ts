import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { REDACTED_PATHS, buildApp } from "../src/app.js";
import { SECRET_KEYS } from "../src/config.js";
import { FLAGS, startFlags, stopFlags } from "../src/flags.js";
import { writeFlagsFile } from "./flags-file.js";
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

describe("GET /hello", () => {
  const dir = mkdtempSync(join(tmpdir(), "hello-"));
  const config = testConfig();
  const app = buildApp(config);

  afterAll(async () => {
    await stopFlags();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The greeting, with the new-greeting flag on, off, or without a flags file. */
  async function hello(newGreeting: boolean | undefined): Promise<string> {
    const file = join(dir, `flags-${newGreeting}.json`);
    if (newGreeting !== undefined) writeFlagsFile(file, FLAGS.newGreeting.key, newGreeting);
    await startFlags(newGreeting === undefined ? undefined : file, app.log);
    const res = await app.inject({ method: "GET", url: "/hello" });
    await stopFlags();
    expect(res.statusCode).toBe(200);
    return res.json<{ message: string }>().message;
  }

  it("answers the greeting that the new-greeting flag selects", async () => {
    const off = await hello(false);
    const on = await hello(true);
    expect(off).toBe(`Hello from ${config.serviceName}`);
    expect(on).toBe(`Hello from ${config.serviceName}, on the golden path!`);
    // Without a flags file, the flag's default applies.
    expect(await hello(undefined)).toBe(FLAGS.newGreeting.defaultValue ? on : off);
  });
});

describe("logs", () => {
  it("redact secret values, whatever object holds them", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino({ redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, sink);
    const values = Object.fromEntries(SECRET_KEYS.map((key) => [key, randomUUID()]));

    log.info({ ...values }, "top level");
    log.info({ env: values }, "nested");
    log.info({ config: { secrets: values } }, "config");
    log.info({ req: { headers: { authorization: `Bearer ${randomUUID()}` } } }, "header");

    expect(lines).toHaveLength(4);
    for (const line of lines) {
      for (const value of Object.values(values)) expect(line).not.toContain(value);
      expect(line).not.toContain("Bearer");
    }
  });
});
