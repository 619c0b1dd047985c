import { describe, expect, it } from "vitest";
import { SERVICE_NAME } from "../src/config.js";
import { createServer, type Server } from "node:net";
import {
  HTTP_DURATION_BUCKETS,
  SERVICE_NAME as TELEMETRY_SERVICE_NAME,
  UNTRACED_PATHS,
  otlpEndpoints,
  reachable,
  shutdownTelemetry,
  telemetryDisabled,
} from "../src/telemetry.js";

describe("telemetry", () => {
  it("is disabled in the tests (vitest.config.ts sets OTEL_SDK_DISABLED)", () => {
    expect(telemetryDisabled()).toBe(true);
  });

  it("reads OTEL_SDK_DISABLED like the SDK does", () => {
    expect(telemetryDisabled({ OTEL_SDK_DISABLED: "true" })).toBe(true);
    expect(telemetryDisabled({ OTEL_SDK_DISABLED: " TRUE " })).toBe(true);
    expect(telemetryDisabled({ OTEL_SDK_DISABLED: "false" })).toBe(false);
    expect(telemetryDisabled({ OTEL_SDK_DISABLED: "" })).toBe(false);
    expect(telemetryDisabled({})).toBe(false);
  });

  it("names the service like the configuration does", () => {
    expect(TELEMETRY_SERVICE_NAME).toBe(SERVICE_NAME);
  });

  it("measures request durations in increasing buckets that include the SLO threshold", () => {
    expect(HTTP_DURATION_BUCKETS).toEqual([...HTTP_DURATION_BUCKETS].sort((a, b) => a - b));
    expect(HTTP_DURATION_BUCKETS).toContain(0.3);
  });

  it("leaves the probes out of traces and metrics", () => {
    expect([...UNTRACED_PATHS].sort()).toEqual(["/livez", "/readyz"]);
  });

  it("shuts down without error when disabled", async () => {
    await expect(shutdownTelemetry()).resolves.toBe("disabled");
  });

  it("knows the collector endpoints, or that an exporter needs none", () => {
    expect(otlpEndpoints({})?.map(String)).toEqual(["http://localhost:4318/"]);
    expect(
      otlpEndpoints({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://logs:4318/v1/logs",
      })?.map((u) => u.host),
    ).toEqual(["collector:4318", "logs:4318"]);
    expect(otlpEndpoints({ OTEL_TRACES_EXPORTER: "console" })).toBeUndefined();
    expect(
      otlpEndpoints({
        OTEL_TRACES_EXPORTER: "none",
        OTEL_METRICS_EXPORTER: "none",
        OTEL_LOGS_EXPORTER: "none",
      }),
    ).toEqual([]);
  });

  it("tells a listening collector from none", async () => {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    expect(await reachable(new URL(`http://127.0.0.1:${port}`), 1_000)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await reachable(new URL(`http://127.0.0.1:${port}`), 1_000)).toBe(false);
  });
});
