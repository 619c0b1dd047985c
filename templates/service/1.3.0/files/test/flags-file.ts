import { writeFileSync } from "node:fs";

/** Writes a flagd-format flags file with one boolean flag, on or off; returns its path. */
export function writeFlagsFile(path: string, key: string, enabled: boolean): string {
  const flags = {
    $schema: "https://flagd.dev/schema/v0/flags.json",
    flags: {
      [key]: {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: enabled ? "on" : "off",
      },
    },
  };
  writeFileSync(path, JSON.stringify(flags));
  return path;
}
