import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/util/errors.js";

describe("docs/errors.md", () => {
  it("documents every error code with its exit status", () => {
    const doc = readFileSync("docs/errors.md", "utf8");
    for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
      expect(doc, code).toMatch(new RegExp(`^\\| \`${code}\` \\| ${exit} \\|`, "m"));
    }
  });
});
