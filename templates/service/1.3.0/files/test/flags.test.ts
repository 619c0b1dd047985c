import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FLAGS, booleanFlag, startFlags, stopFlags } from "../src/flags.js";
import { writeFlagsFile } from "./flags-file.js";

const dir = mkdtempSync(join(tmpdir(), "flags-"));
const log = pino({ level: "silent" });

describe("feature flags", () => {
  const { key, defaultValue } = FLAGS.newGreeting;

  afterEach(async () => {
    await stopFlags();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("take their defaults without FLAGS_FILE", async () => {
    await startFlags(undefined, log);
    expect(await booleanFlag(FLAGS.newGreeting)).toBe(defaultValue);
  });

  it("take their defaults when the file is missing", async () => {
    await startFlags(join(dir, "missing.json"), log);
    expect(await booleanFlag(FLAGS.newGreeting)).toBe(defaultValue);
  });

  it("take their defaults when the file is invalid", async () => {
    const file = join(dir, "invalid.json");
    writeFileSync(file, "{ not json");
    await startFlags(file, log);
    expect(await booleanFlag(FLAGS.newGreeting)).toBe(defaultValue);
  });

  it("take their defaults when the file does not define the flag", async () => {
    await startFlags(writeFlagsFile(join(dir, "other.json"), "another-flag", true), log);
    expect(await booleanFlag(FLAGS.newGreeting)).toBe(defaultValue);
  });

  it("are read from the flags file", async () => {
    await startFlags(writeFlagsFile(join(dir, "flags.json"), key, !defaultValue), log);
    expect(await booleanFlag(FLAGS.newGreeting)).toBe(!defaultValue);
  });
});
