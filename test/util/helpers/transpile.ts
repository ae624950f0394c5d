// Child processes in tests cannot import TypeScript sources (Node 20 has no
// type stripping and vitest's transform lives in the test worker only), so the
// modules a child needs are transpiled to JavaScript in a temporary directory.
// Sources import each other with `.js` extensions, so the output runs as is.

import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import ts from "typescript";

const repoRoot = resolve(import.meta.dirname, "../../..");

/** Transpiles every `.ts` file of `src/<dir>` for each dir into `<tmp>/<dir>`; returns `<tmp>`. */
export function transpileSourceDirs(dirs: readonly string[]): string {
  const outRoot = mkdtempSync(join(tmpdir(), "bbs-transpiled-"));
  writeFileSync(join(outRoot, "package.json"), '{ "type": "module" }\n');
  for (const dir of dirs) {
    const sourceDir = join(repoRoot, "src", dir);
    mkdirSync(join(outRoot, dir), { recursive: true });
    for (const file of readdirSync(sourceDir).filter((name) => name.endsWith(".ts"))) {
      const output = ts.transpileModule(readFileSync(join(sourceDir, file), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
        fileName: file,
      });
      writeFileSync(join(outRoot, dir, `${basename(file, ".ts")}.js`), output.outputText);
    }
  }
  return outRoot;
}
