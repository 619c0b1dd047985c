import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    env: {
      // No telemetry from the tests: src/telemetry.ts starts nothing when this is set.
      OTEL_SDK_DISABLED: "true",
    },
  },
});
