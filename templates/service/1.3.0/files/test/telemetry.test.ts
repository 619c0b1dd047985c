import { describe, expect, it } from "vitest";
import { SERVICE_NAME } from "../src/config.js";
import {
  HTTP_DURATION_BUCKETS,
  SERVICE_NAME as TELEMETRY_SERVICE_NAME,
  UNTRACED_PATHS,
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
    await expect(shutdownTelemetry()).resolves.toBeUndefined();
  });
});
